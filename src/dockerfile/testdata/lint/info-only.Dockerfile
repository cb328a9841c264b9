# Only an info-level finding (PC109): shown by default, below the default failure threshold.
FROM debian:12@sha256:abababababababababababababababababababababababababababababababab
RUN apt-get update && apt-get install -y curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*
USER 1000
HEALTHCHECK CMD true
