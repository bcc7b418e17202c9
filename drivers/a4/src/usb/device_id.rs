//! IEEE 1284 device IDs (`MFG:…;MDL:…;CMD:…;`) and the page description languages they
//! list.

use crate::raster::RasterFormat;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceId {
    pub manufacturer: String,
    pub model: String,
    /// `CMD:` / `COMMAND SET:` as listed.
    pub commands: Vec<String>,
    pub serial: Option<String>,
    pub description: Option<String>,
    /// Every `key:value` pair, keys upper-cased, in order.
    pub fields: Vec<(String, String)>,
}

/// A page description language a printer may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pdl {
    Pdf,
    PwgRaster,
    Urf,
    /// HP PCL 3 / PCL 3 GUI (DeskJet, OfficeJet).
    Pcl3,
    /// HP PCL 5 (listed as plain `PCL` by most lasers).
    Pcl5,
    /// PCL 6 / PCL XL: a different language, raster not implemented.
    PclXl,
    PostScript,
    Pjl,
    Other(String),
}

impl Pdl {
    pub fn from_token(t: &str) -> Pdl {
        let u: String = t.trim().to_ascii_uppercase().chars().filter(|c| !matches!(c, ' ' | '-' | '_')).collect();
        match u.as_str() {
            s if s.starts_with("PDF") => Pdl::Pdf,
            "PWG" | "PWGRASTER" => Pdl::PwgRaster,
            "URF" | "APPLERASTER" => Pdl::Urf,
            "PCL3" | "PCL3GUI" => Pdl::Pcl3,
            "PCL" | "PCL5" | "PCL5E" | "PCL5C" => Pdl::Pcl5,
            "PCLXL" | "PCL6" => Pdl::PclXl,
            "POSTSCRIPT" | "PS" | "PS3" | "POSTSCRIPT3" | "BRSCRIPT" => Pdl::PostScript,
            "PJL" => Pdl::Pjl,
            _ => Pdl::Other(t.trim().to_string()),
        }
    }
}

/// How a legacy USB printer is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawPath {
    /// The PDF as is (`CMD:` lists PDF).
    PdfDirect,
    /// Rendered, then PWG raster or URF.
    Raster(RasterFormat),
    /// Rendered, then PCL raster.
    Pcl,
}

impl DeviceId {
    /// Parses `key:value;` pairs. Tolerates missing final `;`, spaces around keys, and
    /// NUL/garbage after the ID (some devices pad the reply).
    pub fn parse(text: &str) -> DeviceId {
        let mut id = DeviceId::default();
        for part in text.split(';') {
            let Some((k, v)) = part.split_once(':') else { continue };
            let key = k.trim().to_ascii_uppercase();
            let value = v.trim().trim_end_matches('\0').to_string();
            if key.is_empty() || key.len() > 32 {
                continue;
            }
            match key.as_str() {
                "MFG" | "MANUFACTURER" if id.manufacturer.is_empty() => id.manufacturer = value.clone(),
                "MDL" | "MODEL" if id.model.is_empty() => id.model = value.clone(),
                "CMD" | "COMMAND SET" if id.commands.is_empty() => {
                    id.commands = value.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                }
                "SN" | "SERN" | "SERIALNUMBER" if id.serial.is_none() => id.serial = Some(value.clone()),
                "DES" | "DESCRIPTION" if id.description.is_none() => id.description = Some(value.clone()),
                _ => {}
            }
            id.fields.push((key, value));
        }
        id
    }

    pub fn languages(&self) -> Vec<Pdl> {
        self.commands.iter().map(|c| Pdl::from_token(c)).collect()
    }

    pub fn lists(&self, pdl: &Pdl) -> bool {
        self.languages().iter().any(|l| l == pdl)
    }

    /// The best way to feed this printer: PDF direct, else PWG raster, URF, PCL raster.
    /// `None`: host-based (GDI, ACL, ESC/P-R …) or PCL XL-only printers.
    pub fn raw_path(&self) -> Option<RawPath> {
        let l = self.languages();
        let has = |p: Pdl| l.contains(&p);
        if has(Pdl::Pdf) {
            Some(RawPath::PdfDirect)
        } else if has(Pdl::PwgRaster) {
            Some(RawPath::Raster(RasterFormat::Pwg))
        } else if has(Pdl::Urf) {
            Some(RawPath::Raster(RasterFormat::Urf))
        } else if has(Pdl::Pcl5) || has(Pdl::Pcl3) {
            Some(RawPath::Pcl)
        } else {
            None
        }
    }

    pub fn make_and_model(&self) -> String {
        // "MFG:Lexmark International;MDL:Lexmark E260d" → "Lexmark E260d"
        let brand = self.manufacturer.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
        if !brand.is_empty() && self.model.to_ascii_lowercase().starts_with(&brand) {
            self.model.clone()
        } else {
            format!("{} {}", self.manufacturer, self.model).trim().to_string()
        }
    }
}
