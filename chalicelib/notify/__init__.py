"""The one way anything reaches a citizen: :class:`chalicelib.notify.notifier.Notifier`."""
