"""The conversation engine: a pure function from (session, turn, lookups) to an outcome.

Entry point: :func:`chalicelib.conversation.engine.handle`. Nothing in this package talks to
AWS, Zalo or the network; the processing layer loads state, calls the engine and carries out
the returned replies and actions.
"""
