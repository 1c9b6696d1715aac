// Teleportation of ry(2*pi/3)|0> from q[0] to q[2] with classical corrections (written for qspectral's tests).
// Closed form: c0 and c1 are uniform and independent; c2 = 1 with probability sin(pi/3)^2 = 3/4.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c0[1];
creg c1[1];
creg c2[1];
ry(2*pi/3) q[0];
h q[1];
cx q[1], q[2];
cx q[0], q[1];
h q[0];
measure q[0] -> c0[0];
measure q[1] -> c1[0];
if(c1==1) x q[2];
if(c0==1) z q[2];
measure q[2] -> c2[0];
