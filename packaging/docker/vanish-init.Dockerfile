# The vanish-init image: just /vanish-init (static, musl), to copy into any
# review-app image:
#   COPY --from=ghcr.io/OWNER/vanish-init:VERSION /vanish-init /vanish-init
#   ENTRYPOINT ["/vanish-init", "--"]
# Context: dist/image (scripts/dist.sh). TARGETARCH is amd64 or arm64: buildx
# sets it (release workflow), scripts/dist.sh passes it to the classic builder.
FROM scratch
ARG TARGETARCH
COPY ${TARGETARCH}/init/vanish-init /vanish-init
ENTRYPOINT ["/vanish-init"]
