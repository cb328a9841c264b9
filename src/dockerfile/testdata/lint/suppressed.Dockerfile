# portcullis ignore-file=PC119 healthchecks come from the orchestrator
FROM docker.io/library/alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d
# hadolint ignore=DL3018
RUN apk add --no-cache ca-certificates
USER 65534
CMD ["/bin/true"]
