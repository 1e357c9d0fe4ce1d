//! IPv4 CIDR blocks in queries (`10.1.0.0/16`, `srcaddr=192.168.0.0/24`), answered from the
//! address tokens the index already holds, with no extra index terms.
//!
//! An IPv4 address is one token (see [`crate::tokenizer`]), and merged `indices` files are
//! sorted by term, so every address of a block whose prefix ends at an octet boundary is one
//! contiguous range of terms: `10.1.0.0/16` is the terms that start with `10.1.`, read like a
//! prefix search (`10.1.*`) with row-group statistics skipping the rest. Other lengths become a
//! few such ranges or a list of addresses ([`Cidr::lookup`]), at most [`MAX_LOOKUP_ITEMS`]:
//!
//! | length | lookup |
//! |---|---|
//! | `/0`–`/8` | 2^(8−n) first-octet prefixes (`10.0.0.0/7` → `10.`, `11.`) |
//! | `/9`–`/16` | 2^(16−n) two-octet prefixes |
//! | `/17`–`/24` | 2^(24−n) three-octet prefixes (`10.1.0.0/20` → `10.1.0.` … `10.1.15.`) |
//! | `/25`–`/32` | the 2^(32−n) addresses themselves |
//!
//! Every prefix lies wholly inside the block, so the lookup is exact and needs no check: a hit
//! is an address token inside the block. Octets are compared as written: an octet the block's
//! prefix covers must be written without leading zeros (`010.1.2.3` is not in `10.0.0.0/8`),
//! as the standard parsers (`inet_pton`, Rust, Python) also refuse them; the octets after the
//! prefix may have them (`10.1.02.3` is in `10.1.0.0/16`). See [`Cidr::contains_token`].

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Most prefixes or addresses one block is looked up by (a `/0` needs 256 first octets).
pub const MAX_LOOKUP_ITEMS: usize = 256;

/// An IPv4 block: a network address with its host bits cleared and a prefix length (0–32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cidr {
    network: u32,
    len: u8,
}

/// How a block is looked up in the index: term prefixes, or whole address terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidrLookup {
    /// Terms that start with one of these (each ends with `.`), sorted as strings.
    Prefixes(Vec<String>),
    /// Terms equal to one of these addresses, sorted as strings.
    Addresses(Vec<String>),
}

/// Text that looks like a CIDR block but is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CidrError(String);

impl Cidr {
    /// The block `address/len`; host bits of `address` are cleared (`10.1.2.3/16` is
    /// `10.1.0.0/16`). Fails when `len` is over 32.
    pub fn new(address: Ipv4Addr, len: u16) -> Result<Self, CidrError> {
        let Some(len) = u8::try_from(len).ok().filter(|len| *len <= 32) else {
            return Err(CidrError(format!(
                "an IPv4 prefix length is 0 to 32, not {len}"
            )));
        };
        Ok(Cidr {
            network: u32::from(address) & mask(len),
            len,
        })
    }

    /// Recognises query text of the form `a.b.c.d/n`. Returns `None` when the text does not
    /// have that shape (it is then an ordinary word), and an error when it has it but is not a
    /// block (`10.1.0.0/33`, `10.1.0.300/16`).
    pub fn parse_query_word(text: &str) -> Option<Result<Self, CidrError>> {
        let (address, len) = text.split_once('/')?;
        let shaped = !len.is_empty()
            && len.len() <= 3
            && len.bytes().all(|b| b.is_ascii_digit())
            && address.split('.').count() == 4
            && address
                .split('.')
                .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
        if !shaped {
            return None;
        }
        let Ok(address) = Ipv4Addr::from_str(address) else {
            return Some(Err(CidrError(format!(
                "{address:?} is not an IPv4 address (octets are 0 to 255, without leading zeros)"
            ))));
        };
        Some(Cidr::new(address, len.parse().unwrap_or(u16::MAX)))
    }

    /// The network address.
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.network)
    }

    /// The prefix length (0–32).
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// The prefixes or addresses that find exactly the block's address tokens (module docs).
    pub fn lookup(&self) -> CidrLookup {
        // Whole octets of the lookup: 1 for /0–/8, 2 for /9–/16, 3 for /17–/24, 4 beyond.
        let octets = usize::from(self.len.div_ceil(8).max(1));
        let granularity = (octets * 8) as u32;
        let count = 1u32 << (granularity - u32::from(self.len));
        let step = if granularity == 32 {
            1
        } else {
            1u32 << (32 - granularity)
        };
        debug_assert!(count as usize <= MAX_LOOKUP_ITEMS);
        let mut items: Vec<String> = (0..count)
            .map(|i| {
                let [a, b, c, d] = (self.network + i * step).to_be_bytes();
                match octets {
                    1 => format!("{a}."),
                    2 => format!("{a}.{b}."),
                    3 => format!("{a}.{b}.{c}."),
                    _ => format!("{a}.{b}.{c}.{d}"),
                }
            })
            .collect();
        items.sort_unstable();
        if octets == 4 {
            CidrLookup::Addresses(items)
        } else {
            CidrLookup::Prefixes(items)
        }
    }

    /// True when `token` (as the tokenizer emits it) is an IPv4 address inside the block, by
    /// the rule of the module docs: the octets the lookup fixes are written without leading
    /// zeros; the others are 1–3 digits of at most 255.
    pub fn contains_token(&self, token: &str) -> bool {
        let fixed = if self.len > 24 {
            4
        } else {
            usize::from(self.len.div_ceil(8).max(1))
        };
        let mut value = 0u32;
        let mut parts = 0;
        for (i, part) in token.split('.').enumerate() {
            let octet_ok = (1..=3).contains(&part.len())
                && part.bytes().all(|b| b.is_ascii_digit())
                && (i >= fixed || part == "0" || !part.starts_with('0'));
            let Some(octet) = part.parse::<u32>().ok().filter(|o| octet_ok && *o <= 255) else {
                return false;
            };
            value = (value << 8) | octet;
            parts += 1;
            if parts > 4 {
                return false;
            }
        }
        parts == 4 && value & mask(self.len) == self.network
    }
}

/// The network mask of a prefix length.
fn mask(len: u8) -> u32 {
    match len {
        0 => 0,
        n => u32::MAX << (32 - u32::from(n.min(32))),
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network(), self.len)
    }
}

impl From<Cidr> for String {
    fn from(cidr: Cidr) -> String {
        cidr.to_string()
    }
}

impl TryFrom<String> for Cidr {
    type Error = CidrError;

    fn try_from(text: String) -> Result<Self, CidrError> {
        Cidr::parse_query_word(&text)
            .unwrap_or_else(|| Err(CidrError(format!("{text:?} is not an IPv4 CIDR block"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse_query_word(text).unwrap().unwrap()
    }

    fn prefixes(text: &str) -> Vec<String> {
        match cidr(text).lookup() {
            CidrLookup::Prefixes(p) => p,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn host_bits_are_cleared_and_the_text_is_canonical() {
        assert_eq!(cidr("10.1.2.3/16").to_string(), "10.1.0.0/16");
        assert_eq!(cidr("192.168.7.255/24").to_string(), "192.168.7.0/24");
        assert_eq!(cidr("1.2.3.4/0").to_string(), "0.0.0.0/0");
        assert_eq!(cidr("1.2.3.4/32").to_string(), "1.2.3.4/32");
    }

    #[test]
    fn only_the_shape_a_b_c_d_slash_n_is_a_block() {
        for text in [
            "10.1.0.0",
            "10.1.0/16",
            "10.1.0.0/",
            "/16",
            "a.b.c.d/8",
            "10.1.0.0/16/2",
        ] {
            assert!(Cidr::parse_query_word(text).is_none(), "{text}");
        }
        let err = Cidr::parse_query_word("10.1.0.0/33").unwrap().unwrap_err();
        assert_eq!(err.to_string(), "an IPv4 prefix length is 0 to 32, not 33");
        assert!(Cidr::parse_query_word("10.1.0.300/16").unwrap().is_err());
        assert!(Cidr::parse_query_word("010.1.0.0/16").unwrap().is_err());
        assert!(Cidr::parse_query_word("10.1.0.0/999").unwrap().is_err());
    }

    #[test]
    fn octet_aligned_blocks_are_one_prefix() {
        assert_eq!(prefixes("10.0.0.0/8"), ["10."]);
        assert_eq!(prefixes("10.1.0.0/16"), ["10.1."]);
        assert_eq!(prefixes("10.1.2.0/24"), ["10.1.2."]);
    }

    #[test]
    fn other_lengths_are_the_prefixes_of_the_next_octet_boundary() {
        assert_eq!(prefixes("10.0.0.0/7"), ["10.", "11."]);
        assert_eq!(prefixes("172.16.0.0/12").len(), 16);
        assert_eq!(prefixes("172.16.0.0/12").first().unwrap(), "172.16.");
        let p = prefixes("10.1.16.0/20");
        assert_eq!(p.len(), 16);
        assert!(p.contains(&"10.1.16.".to_owned()) && p.contains(&"10.1.31.".to_owned()));
        assert!(!p.contains(&"10.1.32.".to_owned()));
        assert_eq!(prefixes("0.0.0.0/0").len(), MAX_LOOKUP_ITEMS);
    }

    #[test]
    fn long_blocks_are_their_addresses() {
        assert_eq!(
            cidr("10.1.2.5/31").lookup(),
            CidrLookup::Addresses(vec!["10.1.2.4".into(), "10.1.2.5".into()])
        );
        assert_eq!(
            cidr("10.1.2.3/32").lookup(),
            CidrLookup::Addresses(vec!["10.1.2.3".into()])
        );
        match cidr("10.1.2.128/25").lookup() {
            CidrLookup::Addresses(a) => {
                assert_eq!(a.len(), 128);
                assert!(a.contains(&"10.1.2.255".to_owned()));
                assert!(!a.contains(&"10.1.2.127".to_owned()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn contains_token_agrees_with_the_lookup() {
        let block = cidr("10.1.16.0/20");
        assert!(block.contains_token("10.1.16.0"));
        assert!(block.contains_token("10.1.31.255"));
        assert!(block.contains_token("10.1.20.07")); // an octet after the prefix
        assert!(!block.contains_token("10.1.32.0"));
        assert!(!block.contains_token("10.1.15.255"));
        assert!(!block.contains_token("110.1.16.1"));
        assert!(!block.contains_token("10.01.16.1")); // a prefix octet with a leading zero
        assert!(!block.contains_token("10.1.16"));
        assert!(!block.contains_token("10.1.16.1.5"));
        assert!(!block.contains_token("10.1.16.256"));
        assert!(!block.contains_token("10.1.16.x"));
        assert!(cidr("0.0.0.0/0").contains_token("255.255.255.255"));
        assert!(cidr("10.1.2.4/31").contains_token("10.1.2.5"));
        assert!(!cidr("10.1.2.4/31").contains_token("10.1.2.05"));
        assert!(cidr("10.0.0.0/8").contains_token("10.0.00.0"));
    }

    #[test]
    fn every_address_token_in_a_prefix_is_in_the_block() {
        // The lookup and the membership rule agree on a sample of tokens and blocks.
        for block in [
            "10.0.0.0/7",
            "10.1.16.0/20",
            "192.168.0.0/16",
            "10.1.2.128/26",
            "0.0.0.0/0",
        ] {
            let block = cidr(block);
            let lookup = block.lookup();
            for token in [
                "10.1.16.1",
                "11.0.0.1",
                "9.255.255.255",
                "10.1.2.130",
                "10.1.2.200",
                "192.168.255.1",
                "192.169.0.1",
                "10.1.31.9",
                "12.0.0.0",
            ] {
                let found = match &lookup {
                    CidrLookup::Prefixes(p) => p.iter().any(|p| token.starts_with(p.as_str())),
                    CidrLookup::Addresses(a) => a.iter().any(|a| a == token),
                };
                assert_eq!(found, block.contains_token(token), "{block} {token}");
            }
        }
    }
}
