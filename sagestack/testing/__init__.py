"""Test helpers: the local AWS as a subprocess, Pulumi's provider host over gRPC, and mocks."""
