"""The back-office integration API (issue 12), under ``/integration/v1/``.

``auth``: Standard Webhooks signatures, clients, scopes and request replay; ``responses``: the
JSON answers. docs/integration.md describes the contract.
"""
