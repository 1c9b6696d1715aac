// One qubit measured, reset and reused (written for qspectral's tests).
// Closed form: c[0] is uniform; after the reset, x makes c[1] = 1 and q[1] copies it, so c[2] = 1.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[3];
h q[0];
measure q[0] -> c[0];
reset q[0];
x q[0];
measure q[0] -> c[1];
cx q[0], q[1];
measure q[1] -> c[2];
