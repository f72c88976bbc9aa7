"""The offline engine (`engine.py`): a chat model that answers every structured step with small
trained heads over the packaged MiniLM (`learned.py`, `heads/`), exact rules and templates — one
module per step it reads: `triage`, `profile` (+ `stay`), `call`, `call_time`, `emails`."""
