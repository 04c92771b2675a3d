//! A loaded chart: Chart.yaml's metadata, the files by role, and its subcharts. Plain owned
//! data (`Send + Sync`), built once and rendered any number of times.

use std::sync::Arc;

use berth_template::FileData;
use bytes::Bytes;

use crate::values::ValuesFile;

/// One file of a chart, by its path relative to the chart's root (`templates/deploy.yaml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartFile {
    pub name: String,
    /// Templates are always in memory; other files may be read when first needed.
    pub data: FileData,
}

/// A maintainer entry of Chart.yaml.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

/// A dependency as Chart.yaml (v2) or requirements.yaml (v1) declares it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    /// Set while dependencies are processed: whether the subchart is enabled.
    pub enabled: bool,
    /// `import-values` entries: a string (`child.path`) or a `{child, parent}` map, kept as
    /// JSON so both forms survive.
    pub import_values: Vec<serde_json::Value>,
    pub alias: String,
}

/// Chart.yaml, with Helm's field names (the JSON tags of `chart.Metadata`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    pub api_version: String,
    pub name: String,
    pub version: String,
    pub kube_version: String,
    pub description: String,
    pub chart_type: String,
    pub keywords: Vec<String>,
    pub home: String,
    pub sources: Vec<String>,
    pub dependencies: Vec<Dependency>,
    pub maintainers: Vec<Maintainer>,
    pub icon: String,
    pub app_version: String,
    pub deprecated: bool,
    pub annotations: Vec<(String, String)>,
    pub condition: String,
    pub tags: String,
    /// Chart.yaml as parsed, for what templates see of `.Chart` beyond the typed fields.
    pub raw: serde_json::Value,
}

/// A chart and its subcharts, as `loader.Load` builds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    pub metadata: Metadata,
    /// `templates/**`, in the order the loader found them.
    pub templates: Vec<ChartFile>,
    /// `values.yaml` as written.
    pub values: Option<Bytes>,
    /// `values.yaml` as [`crate::load`] parsed it while checking it; without it (charts
    /// built by hand) the values are parsed when the chart is prepared.
    pub(crate) values_parsed: Option<Arc<ValuesFile>>,
    /// `values.schema.json`, if any.
    pub schema: Option<Bytes>,
    /// Every other file not ignored by `.helmignore` (`.Files` sees these), including
    /// `crds/**`.
    pub files: Vec<ChartFile>,
    /// `Chart.lock` or `requirements.lock`, raw.
    pub lock: Option<Bytes>,
    /// Subcharts from `charts/`, directories and archives alike.
    pub dependencies: Vec<Chart>,
}

impl Chart {
    /// The files under `crds/`.
    pub fn crds(&self) -> impl Iterator<Item = &ChartFile> {
        self.files.iter().filter(|f| f.name.starts_with("crds/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn charts_cross_threads() {
        assert_send_sync::<Chart>();
    }
}
