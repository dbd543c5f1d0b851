//! The `Host` names a preview answers to: the DNS-rebinding defence.
//!
//! A page on another site can make a browser send requests to the preview, but only under its
//! own host name (which it may point at 127.0.0.1), so anything but the preview's own names is
//! refused before a byte of the site is read.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tiny_http::Request;

use super::respond::Reply;

/// The names and port requests must carry.
pub(super) struct Hosts {
    interface: IpAddr,
    port: u16,
}

impl Hosts {
    pub(super) fn new(interface: IpAddr, port: u16) -> Self {
        Hosts { interface, port }
    }

    /// `Ok` for a request addressed to this preview, else the answer refusing it.
    pub(super) fn check(&self, request: &Request) -> Result<(), Reply> {
        let mut hosts = request.headers().iter().filter(|h| h.field.equiv("Host"));
        let host = match (hosts.next(), hosts.next()) {
            (Some(host), None) => host.value.as_str(),
            // HTTP/1.0 has no Host header; browsers, which rebinding needs, always send one.
            (None, _) if *request.http_version() < (1, 1) => return Ok(()),
            (None, _) => return Err(Reply::text(400, "400 Bad Request: no Host header\n".into())),
            (Some(_), Some(_)) => {
                let text = "400 Bad Request: more than one Host header\n";
                return Err(Reply::text(400, text.into()));
            }
        };
        if self.allows(host) {
            return Ok(());
        }
        let text = format!(
            "403 Forbidden: this preview answers only to localhost:{0}, 127.0.0.1:{0} and [::1]:{0}\n",
            self.port
        );
        Err(Reply::text(403, text))
    }

    fn allows(&self, host: &str) -> bool {
        let (name, port) = match host.strip_prefix('[') {
            Some(rest) => match rest.split_once(']') {
                Some((inside, "")) => (inside, None),
                Some((inside, port)) => match port.strip_prefix(':') {
                    Some(port) => (inside, Some(port)),
                    None => return false,
                },
                None => return false,
            },
            None => match host.split_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (host, None),
            },
        };
        let port_matches = match port {
            Some(port) => port.parse::<u16>() == Ok(self.port),
            None => self.port == 80,
        };
        if !port_matches {
            return false;
        }
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let ip: IpAddr = if host.starts_with('[') {
            match name.parse::<Ipv6Addr>() {
                Ok(ip) => ip.into(),
                Err(_) => return false,
            }
        } else {
            match name.parse::<Ipv4Addr>() {
                Ok(ip) => ip.into(),
                Err(_) => return false,
            }
        };
        // An IP literal cannot be rebound to another address, so on a wildcard interface any is
        // fine: it is how phones and other machines on the network reach the preview.
        ip == Ipv4Addr::LOCALHOST
            || ip == Ipv6Addr::LOCALHOST
            || ip == self.interface
            || self.interface.is_unspecified()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(interface: &str, port: u16) -> Hosts {
        Hosts::new(interface.parse().unwrap(), port)
    }

    #[test]
    fn loopback_names_and_the_interface_are_allowed() {
        let local = hosts("127.0.0.1", 1111);
        for ok in [
            "127.0.0.1:1111",
            "localhost:1111",
            "LocalHost:1111",
            "[::1]:1111",
        ] {
            assert!(local.allows(ok), "{ok}");
        }
        let lan = hosts("192.168.1.5", 1111);
        assert!(lan.allows("192.168.1.5:1111"));
        assert!(lan.allows("localhost:1111"));
        assert!(!lan.allows("192.168.1.6:1111"));
        let any = hosts("0.0.0.0", 1111);
        assert!(any.allows("10.0.0.7:1111"));
        assert!(any.allows("[fe80::1]:1111"));
        assert!(!any.allows("evil.example:1111"));
        assert!(hosts("::1", 80).allows("[::1]"));
        assert!(hosts("127.0.0.1", 80).allows("localhost"));
    }

    #[test]
    fn other_hosts_ports_and_shapes_are_refused() {
        let local = hosts("127.0.0.1", 1111);
        for bad in [
            "evil.example:1111",
            "localhost.evil.example:1111",
            "127.0.0.1.nip.io:1111",
            "localhost:1112",
            "localhost",
            "127.0.0.1",
            "127.0.0.1:1111:1111",
            "[::1]1111",
            "[::1:1111",
            "::1:1111",
            "[127.0.0.1]:1111",
            "[::ffff:127.0.0.1]:1111",
            "0177.0.0.1:1111",
            "2130706433:1111",
            "10.0.0.7:1111",
            "localhost:",
            ":1111",
            "",
        ] {
            assert!(!local.allows(bad), "{bad}");
        }
    }
}
