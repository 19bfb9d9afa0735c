"""Framework speed benchmarks (`fwpulse bench`).

harness.py (scheduling; worker_proc.py: worker IPC; rows.py: result rows) runs one worker subprocess per contender and workload (worker.py), interleaves the
contenders' repeats round-robin, and turns the samples into result rows (stats.py). The models are
declared once in models.py; each impl_*.py declares what it builds (implementation.py). The heavy
frameworks are imported only inside the workers (impl_*.py); importing this package imports none.
"""
