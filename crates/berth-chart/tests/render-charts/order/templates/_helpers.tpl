{{- define "order.tname" -}}{{ .Template.Name }}|{{ .Template.BasePath }}{{- end -}}
