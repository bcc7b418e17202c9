//! The configuration's typed values that are written as plain strings in the file
//! (`"demo"`, `"sim"`, `"fit"`): existing files keep loading, and the code matches on
//! variants instead of comparing strings.

use serde::{Deserialize, Serialize};

/// `server.url`: the reference server started in-process on loopback (`"demo"`), or a
/// real central server's base URL. Written in the file as the plain string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ServerUrl {
    Demo,
    Remote(String),
}

impl ServerUrl {
    pub fn is_demo(&self) -> bool {
        matches!(self, ServerUrl::Demo)
    }

    pub fn as_str(&self) -> &str {
        match self {
            ServerUrl::Demo => "demo",
            ServerUrl::Remote(url) => url,
        }
    }
}

/// A device setting (`printers.a4`, `printers.receipt`, `camera.device`): the simulated
/// device (`"sim"`), or the address of a real one (a URI or a `/dev` path). Written in
/// the file as the plain string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Device {
    Sim,
    Real(String),
}

impl Device {
    pub fn is_sim(&self) -> bool {
        matches!(self, Device::Sim)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Device::Sim => "sim",
            Device::Real(address) => address,
        }
    }
}

/// The plain-string settings above read and write themselves as strings, so every
/// existing file keeps loading; `"demo"` and `"sim"` are the only words they know.
macro_rules! string_setting {
    ($name:ident, $word:literal, $special:ident, $other:ident) => {
        impl From<String> for $name {
            fn from(s: String) -> Self {
                if s == $word { $name::$special } else { $name::$other(s) }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::from(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_setting!(ServerUrl, "demo", Demo, Remote);
string_setting!(Device, "sim", Sim, Real);

/// `printers.a4_scaling`: IPP `print-scaling` for A4 documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum A4Scaling {
    /// True scale: signed documents are A4 already.
    None,
    /// Shrink to the printable area.
    Fit,
}

impl From<A4Scaling> for adm_a4::ipp::Scaling {
    fn from(scaling: A4Scaling) -> Self {
        match scaling {
            A4Scaling::None => adm_a4::ipp::Scaling::None,
            A4Scaling::Fit => adm_a4::ipp::Scaling::Fit,
        }
    }
}
