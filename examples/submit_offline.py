"""Submit the QFT round trip to IBM's fake Sherbrooke and to Braket's local simulator, offline.

The circuit prepares the basis state |x>, applies the QFT, a barrier and the inverse QFT, and
measures every qubit, so the ideal outcome is x on every shot. Each job is recorded in the job
store (default $QSPECTRAL_HOME/jobs.sqlite, QSPECTRAL_HOME defaulting to ~/.qspectral) before it
is sent; the script prints the job ids and the counts against the ideal distribution. Outcomes are
in qspectral's bit order: the bitstring's rightmost character is qubit 0.

Run:  python examples/submit_offline.py [--qubits 3] [--input 5] [--shots 2000] [--store FILE] [--quick]
"""

import argparse

from qspectral.cloud import JobManager, JobStore, SamplingProgram, comparison_table, qft_roundtrip

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--qubits", type=int, default=4, help="register size")
parser.add_argument("--input", type=int, default=5, help="the basis state x sent through the round trip")
parser.add_argument("--shots", type=int, default=2000, help="shots per job")
parser.add_argument("--store", default=None, help="job store file (default: $QSPECTRAL_HOME/jobs.sqlite)")
parser.add_argument("--quick", action="store_true", help="3 qubits and 500 shots")
args = parser.parse_args()
n, shots = (3, 500) if args.quick else (args.qubits, args.shots)
x = args.input % 2**n

manager = JobManager(JobStore(args.store))
program = SamplingProgram.from_circuit(qft_roundtrip(n, x))
ideal = program.ideal_distribution()
print(f"QFT round trip on |{x}> ({n} qubits, {shots} shots); job store: {manager.store.path}")
for provider, backend in [("ibm", "fake_sherbrooke"), ("braket", "local")]:
    job = manager.submit(program, provider, backend, shots=shots)
    print(f"\n{provider}/{backend}: job {job.id} (remote id {job.remote_id})")
    job = manager.wait(job.id)
    print(comparison_table(job.counts, ideal, program.num_bits, top=4))
    best = max(job.counts, key=job.counts.get)
    assert job.state == "done" and best == x, (provider, job.state, job.counts)
print(f"\nOK: on both backends the most frequent outcome is the input |{x}>")
