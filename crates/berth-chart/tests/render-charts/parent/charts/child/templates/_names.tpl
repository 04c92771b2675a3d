{{- define "shared.name" -}}child-{{ .Chart.Name }}{{- end -}}
{{- define "child.only" -}}child-only-{{ .Values.port }}{{- end -}}
