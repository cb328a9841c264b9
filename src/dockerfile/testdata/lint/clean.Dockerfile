# syntax=docker/dockerfile:1
# A hardened image: base pinned by digest, non-root user, healthcheck, exec-form CMD.
FROM docker.io/library/alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d
WORKDIR /app
COPY --chown=10001:10001 server.sh /app/server.sh
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/server.sh", "health"]
ENTRYPOINT ["/app/server.sh"]
CMD ["serve"]
