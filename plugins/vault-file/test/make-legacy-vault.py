#!/usr/bin/env python3
"""Writes a vault in the Python vya-backupdb format, with the `cryptography` package's Fernet,
so that vya's reader is tested against tokens from an implementation other than its own.

usage: make-legacy-vault.py OUT_PATH HOSTNAME < credentials.json
credentials.json: {"<id>": {"username": "...", "password": "...", "description": "..."}}
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.fernet import Fernet

out_path, hostname = sys.argv[1], sys.argv[2]
key = base64.urlsafe_b64encode(hashlib.sha256(hostname.encode("utf-8")).digest())
fernet = Fernet(key)
credentials = {}
for ident, entry in json.load(sys.stdin).items():
    credentials[ident] = {
        "username": fernet.encrypt(entry["username"].encode("utf-8")).decode("ascii"),
        "password": fernet.encrypt(entry["password"].encode("utf-8")).decode("ascii"),
        "metadata": {
            "created_at": "2024-05-01T10:00:00",
            "updated_at": "2025-01-15T08:30:00",
            "description": entry.get("description", ""),
        },
    }
document = {"version": "1.0.0", "credentials": credentials}
token = fernet.encrypt(json.dumps(document).encode("utf-8"))
with open(out_path, "wb") as handle:
    handle.write(token)
os.chmod(out_path, 0o600)
