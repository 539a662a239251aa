//! Parsers for option values, so that a bad value is refused by clap, with the option's name,
//! before the command prints or connects anything.

use std::time::Duration;

/// `HOST:PORT` (`127.0.0.1:5000`, `localhost:0`, `[::1]:5000`), kept as text for the resolver.
pub(crate) fn host_port(text: &str) -> Result<String, String> {
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err("expected HOST:PORT, e.g. 127.0.0.1:5000".into());
    };
    if host.is_empty() {
        return Err("expected HOST:PORT: the host is missing, e.g. 127.0.0.1:5000".into());
    }
    port.parse::<u16>()
        .map_err(|_| format!("expected HOST:PORT: {port:?} is not a port number (0 to 65535)"))?;
    Ok(text.to_owned())
}

/// A number of seconds, zero or more (`2`, `0.5`).
pub(crate) fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, e.g. 2.5, not {text:?}"))?;
    if secs.is_sign_negative() {
        return Err(format!("a duration cannot be negative ({text})"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{text} seconds is out of range"))
}

/// A count of one or more.
pub(crate) fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "expected a whole number of 1 or more, not {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_needs_both_parts() {
        assert_eq!(host_port("127.0.0.1:5000").unwrap(), "127.0.0.1:5000");
        assert_eq!(host_port("[::1]:0").unwrap(), "[::1]:0");
        assert!(
            host_port("127.0.0.1")
                .unwrap_err()
                .starts_with("expected HOST:PORT")
        );
        assert!(host_port(":5000").unwrap_err().contains("host is missing"));
        assert!(
            host_port("h:99999")
                .unwrap_err()
                .contains("not a port number")
        );
    }

    #[test]
    fn seconds_refuses_negative_and_garbage() {
        assert_eq!(seconds("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(seconds("0").unwrap(), Duration::ZERO);
        assert!(seconds("-1").unwrap_err().contains("negative"));
        assert!(seconds("-0").unwrap_err().contains("negative"));
        assert!(seconds("ten").unwrap_err().contains("number of seconds"));
        assert!(seconds("inf").is_err());
        assert!(seconds("NaN").is_err());
    }

    #[test]
    fn at_least_one_refuses_zero() {
        assert_eq!(at_least_one("3").unwrap(), 3);
        assert!(at_least_one("0").is_err());
        assert!(at_least_one("-2").is_err());
    }
}
