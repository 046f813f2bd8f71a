# A stand-in for the official Node image, made from Debian's packages only,
# for machines that reach no image registry (npm run test:deploy builds it
# when the Dockerfile's default base cannot be pulled). Node from Debian,
# the `node` user (uid 1000) as in the official image, and redis-server for
# the smoke test's Redis. It trusts the certificate authorities of the
# machine that builds it (host-ca.crt, put in the context by test-deploy.sh),
# so npm reaches the registry as that machine does, proxy included.
ARG DEBIAN=local/debian:trixie-minbase
FROM ${DEBIAN}
COPY host-ca.crt /etc/ssl/certs/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt \
    npm_config_cafile=/etc/ssl/certs/host-ca.crt
RUN apt-get -o Acquire::https::CAInfo=/etc/ssl/certs/host-ca.crt update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --create-home --shell /bin/sh node
