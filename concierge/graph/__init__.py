"""The LangGraph graph: state, supervisor, builder."""
