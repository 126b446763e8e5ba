"""An S3-compatible server on loopback for the object-storage tests: moto's server mode.

No real S3 server (MinIO, Ceph) can be installed on these machines; moto's server mode
speaks the same HTTP API, so the portal's storage (django-storages over boto3) is driven
through real requests, signatures and all, exactly as against a bucket in production.
"""

import logging
import socket
import uuid

import boto3
from moto.server import ThreadedMotoServer

HOST = "127.0.0.1"
PORTS = range(15000, 15100)  # this helper's loopback ports
ACCESS_KEY, SECRET_KEY, REGION = "portal-test", "portal-test-secret", "us-east-1"


class S3ServerUnavailable(Exception):
    pass


def free_port():
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise S3ServerUnavailable(f"no free loopback port in {PORTS.start}-{PORTS.stop - 1}")


class MotoS3:
    """A ThreadedMotoServer in this process, and a fresh bucket for each test."""

    def __init__(self):
        self.port = free_port()
        self.endpoint_url = f"http://{HOST}:{self.port}"
        self.server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)

    def start(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
        self.server.start()
        self.client().list_buckets()  # answers once it is listening
        return self

    def stop(self):
        self.server.stop()

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self):
        name = f"portal-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket):
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def storage_settings(self, bucket):
        """The STORAGES["default"] entry that settings.py builds for STORAGE_BACKEND=s3."""
        return {
            "BACKEND": "apps.core.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint_url,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": REGION,
            },
        }
