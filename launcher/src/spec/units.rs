//! Units: compose durations and byte sizes, ecs-params CPU and memory, and the
//! Fargate task-size table (pure).
//!
//! Invariants: rounding follows the outside truth and nothing else: compose
//! and ecs-params byte sizes round down to whole MiB (as ecs-cli did), compose
//! `cpus` rounds to the nearest CPU unit (Docker takes any decimal); ECS-only
//! values (task size, seconds) that are not whole are errors naming the value.

/// A compose duration (`1m30s`, `10s`, `1.5s`, `500ms`, `2h`) in milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let bad = || format!("'{s}' is not a duration such as 30s, 1m30s or 2h");
    let t = s.trim();
    let total: f64 = if let Ok(secs) = t.parse::<f64>() {
        if secs < 0.0 {
            return Err(bad());
        }
        secs * 1000.0
    } else {
        let mut rest = t;
        let mut total = 0.0;
        if rest.is_empty() {
            return Err(bad());
        }
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let num: f64 = rest[..num_len].parse().map_err(|_| bad())?;
            rest = &rest[num_len..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "ns" => 1e-6,
                "us" | "µs" => 1e-3,
                "ms" => 1.0,
                "s" => 1000.0,
                "m" => 60_000.0,
                "h" => 3_600_000.0,
                _ => return Err(bad()),
            };
            total += num * factor;
            rest = &rest[unit_len..];
        }
        total
    };
    if !total.is_finite() || total > 1e15 {
        return Err(format!("'{s}' is too long"));
    }
    Ok(total.round() as u64)
}

/// A compose duration in whole seconds; fractions are an error.
pub fn parse_seconds(s: &str) -> Result<u64, String> {
    let ms = parse_duration_ms(s)?;
    if ms % 1000 != 0 {
        return Err(format!(
            "'{s}' is not a whole number of seconds, which is what ECS takes"
        ));
    }
    Ok(ms / 1000)
}

/// Bytes per unit in Docker's memory sizes (go-units `RAMInBytes`, which
/// compose and ecs-cli both use): every unit is binary, `m` = `mb` = MiB.
fn ram_bytes(s: &str) -> Result<f64, String> {
    let bad = || format!("'{s}' is not a size such as 512m or 1g");
    let t = s.trim().to_ascii_lowercase();
    let num_len = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let num: f64 = t[..num_len].parse().map_err(|_| bad())?;
    let factor: f64 = match t[num_len..].trim() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = num * factor;
    if !bytes.is_finite() {
        return Err(bad());
    }
    Ok(bytes)
}

/// Bytes → whole MiB, rounded down as ecs-cli did (ECS takes MiB); less than
/// 1 MiB is an error naming the value.
fn bytes_to_mib(bytes: f64, s: &str) -> Result<u32, String> {
    let mib = (bytes / (1024.0 * 1024.0)).floor();
    if mib > f64::from(u32::MAX) {
        return Err(format!("'{s}' is too large"));
    }
    if mib < 1.0 {
        return Err(format!(
            "'{s}' is {bytes} bytes, less than 1 MiB (ECS takes whole MiB)"
        ));
    }
    Ok(mib as u32)
}

/// A compose byte size (`512m`, `1g`, `1gb`, `268435456`, `300M`) in whole
/// MiB, rounded down: `1000000000` → 953.
pub fn parse_bytes_mib(s: &str) -> Result<u32, String> {
    bytes_to_mib(ram_bytes(s)?, s)
}

/// An ecs-params container `mem_limit`/`mem_reservation`: ecs-cli read a bare
/// number (quoted or not) as bytes and a string with a unit as go-units does,
/// then rounded down to MiB. The same as [`parse_bytes_mib`].
pub fn parse_params_memory(s: &str) -> Result<u32, String> {
    parse_bytes_mib(s)
}

fn whole_mib(mib: f64, s: &str) -> Result<u32, String> {
    if !mib.is_finite() || mib > f64::from(u32::MAX) {
        return Err(format!("'{s}' is too large"));
    }
    if (mib - mib.round()).abs() > 1e-9 {
        return Err(format!("'{s}' is not a whole number of MiB ({mib:.2} MiB)"));
    }
    Ok(mib.round() as u32)
}

/// ecs-params memory: `512` (MiB), `1GB`, `0.5GB`, `1024MB`, `2 GiB`.
pub fn parse_task_memory(s: &str) -> Result<u32, String> {
    let t = s.trim().to_ascii_lowercase();
    let num_len = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let num: f64 = t[..num_len]
        .parse()
        .map_err(|_| format!("'{s}' is not a memory size such as 512, 1GB or 0.5GB"))?;
    let mib = match t[num_len..].trim() {
        "" | "m" | "mb" | "mib" => num,
        "g" | "gb" | "gib" => num * 1024.0,
        _ => {
            return Err(format!(
                "'{s}' is not a memory size such as 512, 1GB or 0.5GB"
            ));
        }
    };
    whole_mib(mib, s)
}

/// ecs-params CPU: `256` (units), `1 vCPU`, `0.5 vcpu`, `2vCPU`.
pub fn parse_task_cpu(s: &str) -> Result<u32, String> {
    let t = s.trim().to_ascii_lowercase();
    let num_len = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let num: f64 = t[..num_len]
        .parse()
        .map_err(|_| format!("'{s}' is not a CPU size such as 256, 512 or 1 vCPU"))?;
    let units = match t[num_len..].trim() {
        "" => num,
        "vcpu" | "vcpus" => num * 1024.0,
        _ => {
            return Err(format!(
                "'{s}' is not a CPU size such as 256, 512 or 1 vCPU"
            ));
        }
    };
    if !units.is_finite() || units > 1e9 || (units - units.round()).abs() > 1e-9 {
        return Err(format!("'{s}' is not a whole number of CPU units"));
    }
    Ok(units.round() as u32)
}

/// compose `cpus` (`0.5`, `2`, `0.3`) in CPU units (1 vCPU = 1024), rounded
/// to the nearest unit as Docker takes any decimal: `0.3` → 307. Zero or less
/// is an error; so is more than Fargate's largest task (16 vCPU).
pub fn parse_cpus(s: &str) -> Result<u32, String> {
    let num: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of CPUs such as 0.5 or 2"))?;
    if !num.is_finite() || num <= 0.0 {
        return Err(format!(
            "'{s}' CPUs: the number of CPUs must be more than 0"
        ));
    }
    let units = (num * 1024.0).round();
    if units > f64::from(FARGATE_CPUS[FARGATE_CPUS.len() - 1]) {
        return Err(format!(
            "'{s}' CPUs is more than the largest Fargate task (16 vCPU)"
        ));
    }
    Ok((units as u32).max(1))
}

/// The memory sizes (MiB) Fargate accepts with `cpu` units; empty if `cpu` is not a Fargate size.
pub fn fargate_memories(cpu: u32) -> Vec<u32> {
    let (lo, hi, step) = match cpu {
        256 => return vec![512, 1024, 2048],
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122_880, 8192),
        _ => return Vec::new(),
    };
    (lo..=hi).step_by(step).collect()
}

/// Every Fargate CPU size, smallest first.
pub const FARGATE_CPUS: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

pub fn is_fargate_size(cpu: u32, memory: u32) -> bool {
    fargate_memories(cpu).contains(&memory)
}

/// The smallest Fargate size with at least `cpu` units and `memory` MiB,
/// optionally pinned to one CPU or one memory size.
pub fn smallest_fargate_size(
    cpu: u32,
    memory: u32,
    fixed_cpu: Option<u32>,
    fixed_memory: Option<u32>,
) -> Option<(u32, u32)> {
    FARGATE_CPUS
        .iter()
        .filter(|c| **c >= cpu && fixed_cpu.is_none_or(|f| f == **c))
        .find_map(|c| {
            fargate_memories(*c)
                .into_iter()
                .find(|m| *m >= memory && fixed_memory.is_none_or(|f| f == *m))
                .map(|m| (*c, m))
        })
}

/// A readable summary of the valid memory sizes for one CPU size.
pub fn describe_memories(cpu: u32) -> String {
    let m = fargate_memories(cpu);
    match (m.first(), m.last()) {
        (Some(a), Some(b)) if m.len() > 3 => {
            let step = m.get(1).map_or(0, |s| s - a);
            format!("{a} to {b} MiB in steps of {step}")
        }
        _ => m.iter().map(u32::to_string).collect::<Vec<_>>().join(", ") + " MiB",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ok = [
            ("10s", 10_000),
            ("1m30s", 90_000),
            ("1.5s", 1500),
            ("500ms", 500),
            ("2h", 7_200_000),
            ("1h2m3s", 3_723_000),
            ("30", 30_000),
        ];
        for (s, want) in ok {
            assert_eq!(parse_duration_ms(s), Ok(want), "{s}");
        }
        for bad in ["", "abc", "10x", "s", "1m30", "-1s"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_seconds("1m"), Ok(60));
        assert!(parse_seconds("1.5s").is_err());
    }

    #[test]
    fn sizes() {
        let bytes = [
            ("512m", 512),
            ("1g", 1024),
            ("1GB", 1024),
            ("268435456", 256),
            ("0.5g", 512),
            ("1048576k", 1024),
        ];
        for (s, want) in bytes {
            assert_eq!(parse_bytes_mib(s), Ok(want), "{s}");
        }
        for bad in ["1000", "lots", "1x", "0"] {
            assert!(parse_bytes_mib(bad).is_err(), "{bad}");
        }
        // Byte values round down to whole MiB, as ecs-cli did (1000000000 B = 953.67 MiB).
        assert_eq!(parse_bytes_mib("1000000000"), Ok(953));
        assert_eq!(parse_bytes_mib("1.3m"), Ok(1));
        assert_eq!(parse_params_memory("524288000"), Ok(500));
        assert_eq!(parse_params_memory("500mb"), Ok(500));
        assert!(
            parse_params_memory("512")
                .expect_err("512 bytes")
                .contains("less than 1 MiB")
        );
        let mem = [
            ("512", 512),
            ("1GB", 1024),
            ("0.5GB", 512),
            ("2 GiB", 2048),
            ("1024MB", 1024),
        ];
        for (s, want) in mem {
            assert_eq!(parse_task_memory(s), Ok(want), "{s}");
        }
        for bad in ["0.3GB", "1TB", "x"] {
            assert!(parse_task_memory(bad).is_err(), "{bad}");
        }
        let cpu = [
            ("256", 256),
            ("1 vCPU", 1024),
            ("2 vCPU", 2048),
            ("0.5vcpu", 512),
            (".25 vCPU", 256),
        ];
        for (s, want) in cpu {
            assert_eq!(parse_task_cpu(s), Ok(want), "{s}");
        }
        for bad in ["0.3 vCPU", "1 core", ""] {
            assert!(parse_task_cpu(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_cpus("0.5"), Ok(512));
        assert_eq!(parse_cpus("0.3"), Ok(307));
        assert_eq!(parse_cpus("2"), Ok(2048));
        assert_eq!(parse_cpus("0.0001"), Ok(1));
        for bad in ["0", "-1", "x", "17"] {
            assert!(parse_cpus(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fargate_table() {
        let valid = [
            (256, 512),
            (256, 2048),
            (512, 4096),
            (1024, 2048),
            (1024, 8192),
            (2048, 16384),
            (4096, 30720),
            (8192, 16384),
            (8192, 61440),
            (16384, 32768),
            (16384, 122_880),
        ];
        for (c, m) in valid {
            assert!(is_fargate_size(c, m), "{c}/{m}");
        }
        let invalid = [
            (256, 1536),
            (256, 4096),
            (512, 512),
            (1024, 1024),
            (4096, 31744),
            (8192, 18432),
            (16384, 36864),
            (100, 512),
            (32768, 65536),
        ];
        for (c, m) in invalid {
            assert!(!is_fargate_size(c, m), "{c}/{m}");
        }
        assert_eq!(fargate_memories(4096).len(), 23);
        assert_eq!(fargate_memories(16384).len(), 12);
    }

    #[test]
    fn smallest_size() {
        let table = [
            ((0, 0, None, None), Some((256, 512))),
            ((300, 0, None, None), Some((512, 1024))),
            ((0, 3000, None, None), Some((512, 3072))),
            ((0, 5000, None, None), Some((1024, 5120))),
            ((0, 100_000, None, None), Some((16384, 106_496))),
            ((0, 200_000, None, None), None),
            ((0, 600, Some(1024), None), Some((1024, 2048))),
            ((0, 0, None, Some(4096)), Some((512, 4096))),
        ];
        for ((c, m, fc, fm), want) in table {
            assert_eq!(smallest_fargate_size(c, m, fc, fm), want, "{c} {m}");
        }
        assert_eq!(describe_memories(256), "512, 1024, 2048 MiB");
        assert_eq!(describe_memories(512), "1024 to 4096 MiB in steps of 1024");
    }
}
