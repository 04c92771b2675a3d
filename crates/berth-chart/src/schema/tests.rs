use super::*;

fn check(schema: &str, values: &str) -> Result<(), String> {
    let v = json::parse(values.as_bytes()).unwrap();
    validate_single(&v, schema.as_bytes())
}
