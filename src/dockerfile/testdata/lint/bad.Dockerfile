FROM ubuntu:latest
MAINTAINER someone@example.com
ENV API_TOKEN=s3cr3t-value
RUN apt-get update
RUN apt-get install -y curl
RUN curl -fsSL https://example.com/install.sh | sh
ADD https://example.com/tool.tar.gz /opt/
EXPOSE 22
CMD python /app/server.py
