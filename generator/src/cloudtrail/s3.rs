//! S3 data events: object keys, `requestParameters` and `additionalEventData`.

use super::Gen;
use super::catalog::{BUCKETS, Ev, P};
use crate::out::{push_iso, push_rand_base64, push_u64, push_uuid};

impl Gen<'_> {
    /// Writes the S3 object key for this record into `self.key`.
    fn s3_key(&mut self, t: i64, sha: Option<&str>) {
        self.key.clear();
        let k = &mut self.key;
        if let Some(h) = sha {
            k.extend_from_slice(b"artifacts/");
            k.extend_from_slice(h.as_bytes());
            k.extend_from_slice(b".tar.gz");
            return;
        }
        match self.rng.below(6) {
            0 | 1 => {
                k.extend_from_slice(b"logs/");
                let mut d = Vec::with_capacity(20);
                push_iso(&mut d, t);
                k.extend_from_slice(&d[..4]);
                k.push(b'/');
                k.extend_from_slice(&d[5..7]);
                k.push(b'/');
                k.extend_from_slice(&d[8..10]);
                k.extend_from_slice(b"/part-");
                crate::out::push_pad(k, self.rng.below(2_000), 5);
                k.extend_from_slice(b".json.gz");
            }
            2 => {
                k.extend_from_slice(b"uploads/");
                push_uuid(k, &mut self.rng);
                k.extend_from_slice(b".jpg");
            }
            3 => {
                k.extend_from_slice(b"reports/2024/q");
                push_u64(k, self.rng.range(1, 4));
                k.extend_from_slice(b"/summary.pdf");
            }
            4 => {
                k.extend_from_slice(b"artifacts/");
                self.v.push_sha256(k, self.rng.below(200), false);
                k.extend_from_slice(b".tar.gz");
            }
            _ => {
                k.extend_from_slice(b"backups/db-");
                push_u64(k, self.rng.below(400));
                k.extend_from_slice(b".sql.gz");
            }
        }
    }

    /// Writes the S3 `requestParameters`, `responseElements` and `additionalEventData`;
    /// returns the bucket (the key is left in `self.key`).
    pub(super) fn s3_params(
        &mut self,
        out: &mut Vec<u8>,
        ev: &Ev,
        c: &super::Ctx,
        sha: Option<&str>,
    ) -> Option<&'static str> {
        let (region, t, failed) = (c.region, c.t, c.failed);
        let b = if sha.is_some() {
            "build-artifacts"
        } else {
            *self.rng.pick(BUCKETS)
        };
        out.extend_from_slice(b"{\"bucketName\":\"");
        out.extend_from_slice(b.as_bytes());
        out.extend_from_slice(b"\",\"Host\":\"");
        out.extend_from_slice(b.as_bytes());
        out.extend_from_slice(b".s3.");
        out.extend_from_slice(region.as_bytes());
        out.extend_from_slice(b".amazonaws.com\"");
        if ev.p == P::S3List {
            out.extend_from_slice(
                b",\"list-type\":\"2\",\"prefix\":\"logs/2024/\",\"max-keys\":\"1000\"}",
            );
            self.key.clear();
        } else {
            self.s3_key(t, sha);
            out.extend_from_slice(b",\"key\":\"");
            out.extend_from_slice(&self.key);
            out.extend_from_slice(b"\"}");
        }
        if failed || ev.p != P::S3Put {
            out.extend_from_slice(b",\"responseElements\":null");
        } else {
            out.extend_from_slice(b",\"responseElements\":{\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-version-id\":\"");
            crate::out::push_rand_base32(out, &mut self.rng, 32);
            out.extend_from_slice(b"\"}");
        }
        let size = self.rng.skewed(100, 50_000_000);
        let (bytes_in, bytes_out) = match ev.p {
            P::S3Put => (size, 0),
            P::S3Get if !failed => (0, size),
            P::S3List if !failed => (0, self.rng.range(300, 90_000)),
            _ => (0, 0),
        };
        out.extend_from_slice(b",\"additionalEventData\":{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":");
        push_u64(out, bytes_in);
        out.extend_from_slice(b",\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"");
        push_rand_base64(out, &mut self.rng, 76);
        out.extend_from_slice(b"\",\"bytesTransferredOut\":");
        push_u64(out, bytes_out);
        out.push(b'}');
        Some(b)
    }
}
