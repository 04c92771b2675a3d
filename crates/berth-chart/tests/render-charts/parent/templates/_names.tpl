{{- define "shared.name" -}}parent-wins-{{ .Chart.Name }}{{- end -}}
