# Local stand-in for rabbitmq:4-management (see build.sh): Debian's rabbitmq-server with the management
# plugin, taking RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS like the official image, logging to stdout.
FROM conveyor-offline/debian:bookworm
# No init system here: package scripts must not try to start the service (as in Docker's debian images).
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && echo '[rabbitmq_management].' >/etc/rabbitmq/enabled_plugins \
 && chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq
COPY rabbitmq-entrypoint.sh /usr/local/bin/rabbitmq-entrypoint.sh
ENV RABBITMQ_LOGS=- HOME=/var/lib/rabbitmq
VOLUME /var/lib/rabbitmq
EXPOSE 5672 15672
ENTRYPOINT ["/usr/local/bin/rabbitmq-entrypoint.sh"]
