"""The `concierge` command (`main.py`), one module per group of commands: `threads.py` (threads, show,
resume, prune), `kb.py`, `eval.py`, `runtime.py` (db, events, worker), `operators.py`; the demo it
runs (`demo.py`) and the start-up checks every command shares (`startup.py`)."""
