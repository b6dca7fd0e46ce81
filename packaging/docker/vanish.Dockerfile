# The vanish image, for CI jobs: /usr/local/bin/vanish (static, musl), the CA
# roots from Debian's ca-certificates, and a static busybox for the shell a CI
# runner needs (GitLab runs `script:` lines with sh).
#   docker run --rm -e AWS_REGION … ghcr.io/OWNER/vanish:VERSION ls
#   GitLab: image: { name: ghcr.io/OWNER/vanish:VERSION, entrypoint: [""] }
# Context: dist/image (scripts/dist.sh), whose <arch>/cli/ is the root
# filesystem. TARGETARCH is amd64 or arm64: buildx sets it (release workflow),
# scripts/dist.sh passes it to the classic builder.
FROM scratch
ARG TARGETARCH
COPY ${TARGETARCH}/cli/ /
ENV PATH=/usr/local/bin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/usr/local/bin/vanish"]
