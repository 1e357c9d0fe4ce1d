//! Allocation-free formatting helpers that append ASCII to a byte buffer.

use crate::rng::Rng;

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Appends `n` in decimal.
#[inline]
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends `n` zero-padded to at least `width` digits.
#[inline]
pub(crate) fn push_pad(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = tmp.len();
    let mut v = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let start = i.min(tmp.len() - width.min(20));
    buf.extend_from_slice(&tmp[start..]);
}

/// Appends a dotted-quad IPv4 address.
#[inline]
pub(crate) fn push_ipv4(buf: &mut Vec<u8>, ip: [u8; 4]) {
    push_u64(buf, u64::from(ip[0]));
    buf.push(b'.');
    push_u64(buf, u64::from(ip[1]));
    buf.push(b'.');
    push_u64(buf, u64::from(ip[2]));
    buf.push(b'.');
    push_u64(buf, u64::from(ip[3]));
}

/// Appends the low `digits` nibbles of `x` as lowercase hex (most significant first).
#[inline]
pub(crate) fn push_hex(buf: &mut Vec<u8>, x: u64, digits: u32) {
    for i in (0..digits).rev() {
        buf.push(HEX_LOWER[((x >> (i * 4)) & 0xF) as usize]);
    }
}

/// Appends `n` random hex characters (upper or lower case).
pub(crate) fn push_rand_hex(buf: &mut Vec<u8>, rng: &mut Rng, n: usize, upper: bool) {
    let table = if upper { HEX_UPPER } else { HEX_LOWER };
    let mut bits = 0u64;
    for i in 0..n {
        if i % 16 == 0 {
            bits = rng.next_u64();
        }
        buf.push(table[(bits & 0xF) as usize]);
        bits >>= 4;
    }
}

/// Appends `n` characters of base32 (`A-Z2-7`) derived from `rng`.
pub(crate) fn push_rand_base32(buf: &mut Vec<u8>, rng: &mut Rng, n: usize) {
    let mut bits = 0u64;
    for i in 0..n {
        if i % 12 == 0 {
            bits = rng.next_u64();
        }
        buf.push(BASE32[(bits & 31) as usize]);
        bits >>= 5;
    }
}

/// Appends `n` characters of standard base64 alphabet derived from `rng`.
pub(crate) fn push_rand_base64(buf: &mut Vec<u8>, rng: &mut Rng, n: usize) {
    let mut bits = 0u64;
    for i in 0..n {
        if i % 10 == 0 {
            bits = rng.next_u64();
        }
        buf.push(BASE64[(bits & 63) as usize]);
        bits >>= 6;
    }
}

/// Appends a random version-4 UUID in lowercase.
pub(crate) fn push_uuid(buf: &mut Vec<u8>, rng: &mut Rng) {
    let a = rng.next_u64();
    let b = rng.next_u64();
    push_hex(buf, a >> 32, 8);
    buf.push(b'-');
    push_hex(buf, a >> 16, 4);
    buf.push(b'-');
    push_hex(buf, 0x4000 | (a & 0x0FFF), 4);
    buf.push(b'-');
    push_hex(buf, 0x8000 | ((b >> 48) & 0x3FFF), 4);
    buf.push(b'-');
    push_hex(buf, b, 12);
}

/// Appends `s` as the inside of a JSON string (escaping `"`, `\` and control characters).
pub(crate) fn push_json_escaped(buf: &mut Vec<u8>, s: &str) {
    for &c in s.as_bytes() {
        match c {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            c if c < 0x20 => {
                buf.extend_from_slice(b"\\u00");
                push_hex(buf, u64::from(c), 2);
            }
            c => buf.push(c),
        }
    }
}

/// A broken-down UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Converts Unix seconds to a civil UTC date and time (proleptic Gregorian calendar).
pub(crate) fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: sod / 3600,
        minute: sod / 60 % 60,
        second: sod % 60,
    }
}

fn push_hms(buf: &mut Vec<u8>, c: &Civil) {
    push_pad(buf, u64::from(c.hour), 2);
    buf.push(b':');
    push_pad(buf, u64::from(c.minute), 2);
    buf.push(b':');
    push_pad(buf, u64::from(c.second), 2);
}

fn push_ymd(buf: &mut Vec<u8>, c: &Civil) {
    push_pad(buf, c.year as u64, 4);
    buf.push(b'-');
    push_pad(buf, u64::from(c.month), 2);
    buf.push(b'-');
    push_pad(buf, u64::from(c.day), 2);
}

/// `2024-01-01T00:00:03Z`
pub(crate) fn push_iso(buf: &mut Vec<u8>, secs: i64) {
    let c = civil(secs);
    push_ymd(buf, &c);
    buf.push(b'T');
    push_hms(buf, &c);
    buf.push(b'Z');
}

/// `2024-01-01T00:00:03.123456Z`
pub(crate) fn push_iso_micros(buf: &mut Vec<u8>, micros: i64) {
    let c = civil(micros.div_euclid(1_000_000));
    push_ymd(buf, &c);
    buf.push(b'T');
    push_hms(buf, &c);
    buf.push(b'.');
    push_pad(buf, micros.rem_euclid(1_000_000) as u64, 6);
    buf.push(b'Z');
}

/// BSD syslog prefix time: `Jan  1 00:00:03`.
pub(crate) fn push_syslog(buf: &mut Vec<u8>, secs: i64) {
    let c = civil(secs);
    buf.extend_from_slice(MONTHS[(c.month - 1) as usize]);
    buf.push(b' ');
    if c.day < 10 {
        buf.push(b' ');
    }
    push_u64(buf, u64::from(c.day));
    buf.push(b' ');
    push_hms(buf, &c);
}

/// Common Log Format time: `01/Jan/2024:00:00:03 +0000`.
pub(crate) fn push_clf(buf: &mut Vec<u8>, secs: i64) {
    let c = civil(secs);
    push_pad(buf, u64::from(c.day), 2);
    buf.push(b'/');
    buf.extend_from_slice(MONTHS[(c.month - 1) as usize]);
    buf.push(b'/');
    push_pad(buf, c.year as u64, 4);
    buf.push(b':');
    push_hms(buf, &c);
    buf.extend_from_slice(b" +0000");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn s(mut f: impl FnMut(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(s(|b| push_u64(b, 0)), "0");
        assert_eq!(s(|b| push_u64(b, u64::MAX)), u64::MAX.to_string());
        assert_eq!(s(|b| push_pad(b, 7, 2)), "07");
        assert_eq!(s(|b| push_pad(b, 123, 2)), "123");
        assert_eq!(s(|b| push_pad(b, 42, 6)), "000042");
        assert_eq!(s(|b| push_ipv4(b, [10, 0, 255, 7])), "10.0.255.7");
        assert_eq!(s(|b| push_hex(b, 0xabc, 4)), "0abc");
        assert_eq!(s(|b| push_json_escaped(b, "C:\\a\"b")), "C:\\\\a\\\"b");
    }

    #[test]
    fn times_match_chrono() {
        for secs in [
            0i64,
            1_704_067_203,
            951_782_400,
            4_102_444_799,
            1_709_251_199,
        ] {
            let dt = DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
            assert_eq!(
                s(|b| push_iso(b, secs)),
                dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
            assert_eq!(
                s(|b| push_clf(b, secs)),
                dt.format("%d/%b/%Y:%H:%M:%S +0000").to_string()
            );
            assert_eq!(
                s(|b| push_syslog(b, secs)),
                dt.format("%b %e %H:%M:%S").to_string()
            );
        }
        assert_eq!(
            s(|b| push_iso_micros(b, 1_704_067_203_000_042)),
            "2024-01-01T00:00:03.000042Z"
        );
    }

    #[test]
    fn uuid_shape() {
        let mut r = Rng::new(1);
        let u = s(|b| push_uuid(b, &mut r));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
