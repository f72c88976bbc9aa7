"""The LangGraph graph: the state every node reads (`state.py`) and the services it runs with
(`context.py`), the supervisor that routes every step (`supervisor.py`), the meter around LLM steps
(`metered.py`), the waits (`waits/`) and the builder that puts the nodes together (`builder.py`)."""
