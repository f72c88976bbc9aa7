"""The waits: nodes that hold nothing but an `interrupt()` (a node re-runs from its top when resumed,
so no side effect may live here), and what a person may decide on a waiting thread
(`decisions.py`, both decision shapes) and what every wait does with an answer (`updates.py`).
The sends, dials and writes a decision implies happen in the nodes after the wait."""
