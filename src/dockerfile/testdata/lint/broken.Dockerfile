FROM alpine:3.20
RUN true
FROMM scratch
