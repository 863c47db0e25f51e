"""Scheduled reminders to citizens and daily digests for agencies (issue 15).

``runner`` (one run over the sparse due index, the handler registry, exactly-once reminders,
quiet hours), ``dossiers`` (the ``dossier`` kind), ``digest`` (agency digests by e-mail).
"""
