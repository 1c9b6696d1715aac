OPENQASM 3.0;
include "stdgates.inc";
gate iqft _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3, _gate_q_4 {
  swap _gate_q_1, _gate_q_3;
  swap _gate_q_0, _gate_q_4;
  h _gate_q_0;
  cp(-pi/2) _gate_q_1, _gate_q_0;
  h _gate_q_1;
  cp(-pi/4) _gate_q_2, _gate_q_0;
  cp(-pi/2) _gate_q_2, _gate_q_1;
  h _gate_q_2;
  cp(-pi/8) _gate_q_3, _gate_q_0;
  cp(-pi/4) _gate_q_3, _gate_q_1;
  cp(-pi/2) _gate_q_3, _gate_q_2;
  h _gate_q_3;
  cp(-pi/16) _gate_q_4, _gate_q_0;
  cp(-pi/8) _gate_q_4, _gate_q_1;
  cp(-pi/4) _gate_q_4, _gate_q_2;
  cp(-pi/2) _gate_q_4, _gate_q_3;
  h _gate_q_4;
}
gate qft _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3, _gate_q_4 {
  h _gate_q_4;
  cp(pi/2) _gate_q_4, _gate_q_3;
  cp(pi/4) _gate_q_4, _gate_q_2;
  cp(pi/8) _gate_q_4, _gate_q_1;
  cp(pi/16) _gate_q_4, _gate_q_0;
  h _gate_q_3;
  cp(pi/2) _gate_q_3, _gate_q_2;
  cp(pi/4) _gate_q_3, _gate_q_1;
  cp(pi/8) _gate_q_3, _gate_q_0;
  h _gate_q_2;
  cp(pi/2) _gate_q_2, _gate_q_1;
  cp(pi/4) _gate_q_2, _gate_q_0;
  h _gate_q_1;
  cp(pi/2) _gate_q_1, _gate_q_0;
  h _gate_q_0;
  swap _gate_q_0, _gate_q_4;
  swap _gate_q_1, _gate_q_3;
}
qubit[5] q;
iqft q[0], q[1], q[2], q[3], q[4];
p(-3*pi/16) q[0];
p(-3*pi/8) q[1];
p(-3*pi/4) q[2];
p(pi/2) q[3];
p(-pi) q[4];
qft q[0], q[1], q[2], q[3], q[4];
