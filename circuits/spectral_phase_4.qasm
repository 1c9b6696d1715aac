OPENQASM 3.0;
include "stdgates.inc";
gate iqft _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
  swap _gate_q_1, _gate_q_2;
  swap _gate_q_0, _gate_q_3;
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
}
gate qs_diagonal _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
  rz(1.043805509807655) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  rz(0.18539816339744802) _gate_q_0;
  cx _gate_q_2, _gate_q_0;
  rz(pi/4) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  rz(-0.4146018366025518) _gate_q_0;
  cx _gate_q_3, _gate_q_0;
  rz(-pi/4) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  rz(-pi/4) _gate_q_0;
  cx _gate_q_2, _gate_q_0;
  rz(-pi/4) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  rz(-0.04380550980765496) _gate_q_0;
  rz(-0.2685834705770349) _gate_q_1;
  cx _gate_q_2, _gate_q_1;
  rz(-0.043805509807655324) _gate_q_1;
  cx _gate_q_3, _gate_q_0;
  cx _gate_q_3, _gate_q_1;
  rz(pi/4) _gate_q_1;
  cx _gate_q_2, _gate_q_1;
  rz(-0.8730091830127582) _gate_q_1;
  rz(0.24823122224337846) _gate_q_2;
  cx _gate_q_3, _gate_q_1;
  cx _gate_q_3, _gate_q_2;
  rz(0.6101761241668284) _gate_q_2;
  cx _gate_q_3, _gate_q_2;
  rz(-0.28893571891069114) _gate_q_3;
  p(11.935842241858689) _gate_q_0;
  rz(-11.935842241858689) _gate_q_0;
}
gate qft _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
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
  swap _gate_q_0, _gate_q_3;
  swap _gate_q_1, _gate_q_2;
}
qubit[4] q;
iqft q[0], q[1], q[2], q[3];
qs_diagonal q[0], q[1], q[2], q[3];
qft q[0], q[1], q[2], q[3];
