"""Files citizens send with a dossier: fetched safely, typed from their bytes, then stored.

- :mod:`.rejection`: why a file is refused (a stable reason code the chat turns into Vietnamese);
- :mod:`.filetypes`: the real type from the bytes, and which types a component accepts;
- :mod:`.download`: the guarded download of an attachment from Zalo's CDN;
- :mod:`.intake`: download, check and store one attachment (nothing is stored when refused).
"""
