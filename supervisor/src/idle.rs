//! Idle detection: how many connections from outside the task the app has,
//! read from `/proc/net/tcp` and `/proc/net/tcp6`.
//!
//! All containers of a Fargate task (and of a `docker run`) share one
//! network namespace, and /proc/net shows the namespace of the reader, so
//! one supervisor sees every socket of the task.
//!
//! Invariants:
//! - A connection counts when it is ESTABLISHED, its local port is one of
//!   the ports (`--idle-ports`, else every port something listens on), and
//!   its remote address is not loopback: the task's containers talking to
//!   each other over localhost, health checks from inside, and our own
//!   outgoing connections (their local port is an ephemeral one) do not
//!   keep an app alive.
//! - Parsing is pure (`count`), takes the files' text, and never panics on
//!   any input: a malformed line is skipped.
//! - The effect (`connections`) reads only when asked, at the machine's
//!   cadence; nothing here runs without `--idle`.

use std::io;

/// TCP states, as /proc/net/tcp prints them (include/net/tcp_states.h).
const ESTABLISHED: u8 = 0x01;
const LISTEN: u8 = 0x0A;

/// One socket line, the fields that matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Socket {
    local_port: u16,
    remote_loopback: bool,
    state: u8,
}

/// Counts the connections from outside in the text of `/proc/net/tcp` and
/// `/proc/net/tcp6` (any number of files, concatenated or not), to `ports`,
/// or to every listening port when `ports` is empty.
pub fn count(tables: &[&str], ports: &[u16]) -> usize {
    let sockets: Vec<Socket> = tables
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(parse_line)
        .collect();
    let listening: Vec<u16> = if ports.is_empty() {
        sockets
            .iter()
            .filter(|s| s.state == LISTEN)
            .map(|s| s.local_port)
            .collect()
    } else {
        ports.to_vec()
    };
    sockets
        .iter()
        .filter(|s| {
            s.state == ESTABLISHED && !s.remote_loopback && listening.contains(&s.local_port)
        })
        .count()
}

/// `  0: 0100007F:1F90 0100007F:C2A4 01 ...` → the socket; `None` for the
/// header and anything malformed.
fn parse_line(line: &str) -> Option<Socket> {
    let mut f = line.split_ascii_whitespace();
    let slot = f.next()?;
    if !slot.ends_with(':') {
        return None;
    }
    let (_, local_port) = f.next()?.split_once(':')?;
    let (remote_addr, _) = f.next()?.split_once(':')?;
    let state = u8::from_str_radix(f.next()?, 16).ok()?;
    Some(Socket {
        local_port: u16::from_str_radix(local_port, 16).ok()?,
        remote_loopback: is_loopback(remote_addr)?,
        state,
    })
}

/// The kernel prints an address as 32-bit words in host byte order (%08X
/// each): the words' native bytes are the address in network order.
fn is_loopback(hex: &str) -> Option<bool> {
    if !hex.is_ascii() || !(hex.len() == 8 || hex.len() == 32) {
        return None;
    }
    let mut bytes = Vec::with_capacity(16);
    for i in (0..hex.len()).step_by(8) {
        let word = u32::from_str_radix(&hex[i..i + 8], 16).ok()?;
        bytes.extend(word.to_ne_bytes());
    }
    Some(match bytes.as_slice() {
        [127, ..] if bytes.len() == 4 => true,
        // ::1
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] => true,
        // ::ffff:127.x.y.z (IPv4-mapped)
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, ..] => true,
        _ => false,
    })
}

/// Reads both tables and counts. Errors only if neither can be read (a
/// kernel without IPv6 has no tcp6).
pub fn connections(ports: &[u16]) -> io::Result<usize> {
    let v4 = std::fs::read_to_string("/proc/net/tcp");
    let v6 = std::fs::read_to_string("/proc/net/tcp6");
    match (v4, v6) {
        (Err(e), Err(_)) => Err(e),
        (a, b) => {
            let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
            Ok(count(&[&a, &b], ports))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses as the kernel prints them on this (little- or big-endian)
    /// machine.
    fn v4(a: [u8; 4]) -> String {
        format!("{:08X}", u32::from_ne_bytes(a))
    }
    fn v6(a: [u8; 16]) -> String {
        a.chunks(4)
            .map(|w| format!("{:08X}", u32::from_ne_bytes([w[0], w[1], w[2], w[3]])))
            .collect()
    }
    fn line(local: &str, lport: u16, remote: &str, rport: u16, state: u8) -> String {
        format!(
            "   3: {local}:{lport:04X} {remote}:{rport:04X} {state:02X} 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 20 4 30 10 -1"
        )
    }
    const HEADER: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

    #[test]
    fn loopback_addresses() {
        let mut mapped = [0u8; 16];
        mapped[10] = 0xff;
        mapped[11] = 0xff;
        mapped[12..].copy_from_slice(&[127, 0, 0, 1]);
        let mut mapped_out = mapped;
        mapped_out[12] = 10;
        let mut one = [0u8; 16];
        one[15] = 1;
        let rows = [
            (v4([127, 0, 0, 1]), Some(true)),
            (v4([127, 5, 6, 7]), Some(true)),
            (v4([10, 0, 0, 127]), Some(false)),
            (v4([0, 0, 0, 0]), Some(false)),
            (v6(one), Some(true)),
            (v6(mapped), Some(true)),
            (v6(mapped_out), Some(false)),
            (
                v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
                Some(false),
            ),
            ("0100007".to_owned(), None),
            ("ZZZZZZZZ".to_owned(), None),
            ("é1234567".to_owned(), None),
        ];
        for (hex, want) in rows {
            assert_eq!(is_loopback(&hex), want, "{hex}");
        }
    }

    #[test]
    fn counts_outside_connections_to_listening_ports() {
        let any = v4([0, 0, 0, 0]);
        let me = v4([10, 0, 0, 5]);
        let lo = v4([127, 0, 0, 1]);
        let client = v4([203, 0, 113, 9]);
        let tcp = [
            HEADER.to_owned(),
            line(&any, 8080, &any, 0, LISTEN),
            line(&lo, 9000, &any, 0, LISTEN),
            // Two clients from outside on 8080.
            line(&me, 8080, &client, 50000, ESTABLISHED),
            line(&me, 8080, &client, 50001, ESTABLISHED),
            // A sidecar over loopback: not counted.
            line(&lo, 8080, &lo, 40000, ESTABLISHED),
            // Closed, lingering: not counted.
            line(&me, 8080, &client, 50002, 0x06),
            // Our own outgoing connection to a database: not counted.
            line(&me, 41000, &client, 5432, ESTABLISHED),
            // To the loopback-only listener from outside: impossible, but a
            // listening port is a listening port.
            line(&me, 9000, &client, 50003, ESTABLISHED),
            "garbage".to_owned(),
            "  4: x".to_owned(),
        ]
        .join("\n");
        let mut mapped_client = [0u8; 16];
        mapped_client[10] = 0xff;
        mapped_client[11] = 0xff;
        mapped_client[12..].copy_from_slice(&[203, 0, 113, 10]);
        let mut mapped_lo = mapped_client;
        mapped_lo[12..].copy_from_slice(&[127, 0, 0, 1]);
        let any6 = v6([0; 16]);
        let tcp6 = [
            HEADER.to_owned(),
            line(&any6, 443, &any6, 0, LISTEN),
            line(&any6, 443, &v6(mapped_client), 1234, ESTABLISHED),
            line(&any6, 443, &v6(mapped_lo), 1235, ESTABLISHED),
        ]
        .join("\n");

        assert_eq!(count(&[&tcp, &tcp6], &[]), 4);
        assert_eq!(count(&[&tcp], &[]), 3);
        assert_eq!(count(&[&tcp, &tcp6], &[443]), 1);
        assert_eq!(count(&[&tcp, &tcp6], &[8080, 443]), 3);
        assert_eq!(count(&[&tcp, &tcp6], &[7]), 0);
        assert_eq!(count(&[HEADER, ""], &[]), 0);
        assert_eq!(count(&[], &[]), 0);
    }
}
