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
gate qs_ucry _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3, _gate_q_4 {
  ry(2.596380619424134) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(-0.045070866137526755) _gate_q_0;
  cx _gate_q_2, _gate_q_0;
  ry(-0.10671599122038633) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(-0.10671599122038633) _gate_q_0;
  cx _gate_q_3, _gate_q_0;
  ry(-0.388078068886655) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(0.004537290593685739) _gate_q_0;
  cx _gate_q_2, _gate_q_0;
  ry(-0.19177038914648464) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(-0.19177038914648464) _gate_q_0;
  cx _gate_q_4, _gate_q_0;
  ry(-0.5396035151339875) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(-0.041397587557879645) _gate_q_0;
  cx _gate_q_2, _gate_q_0;
  ry(-0.10219850221904053) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(-0.10219850221904053) _gate_q_0;
  cx _gate_q_3, _gate_q_0;
  ry(-0.39362004163166964) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(0.0009209880666954939) _gate_q_0;
  cx _gate_q_2, _gate_q_0;
  ry(-0.19634952678248707) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(-0.19634952678248707) _gate_q_0;
  cx _gate_q_4, _gate_q_0;
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
qubit[5] q;
iqft q[0], q[1], q[2], q[3];
qs_ucry q[4], q[0], q[1], q[2], q[3];
qft q[0], q[1], q[2], q[3];
