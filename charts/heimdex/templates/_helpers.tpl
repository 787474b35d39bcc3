{{/* Names, labels and the few derived values every template shares. */}}

{{- define "heimdex.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "heimdex.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's full name: heimdex.component (dict "ctx" $ "component" "api"). */}}
{{- define "heimdex.component" -}}
{{- printf "%s-%s" (include "heimdex.fullname" .ctx | trunc (int (sub 62 (len .component)))) .component | trimSuffix "-" }}
{{- end }}

{{- define "heimdex.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "heimdex.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: heimdex
{{- end }}

{{/* Selector labels of one component: heimdex.selector (dict "ctx" $ "component" "api"). */}}
{{- define "heimdex.selector" -}}
app.kubernetes.io/name: {{ include "heimdex.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "heimdex.componentLabels" -}}
{{ include "heimdex.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "heimdex.watchNamespace" -}}
{{- default .Release.Namespace .Values.watchNamespace }}
{{- end }}

{{- define "heimdex.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "heimdex.pipelineImage" -}}
{{- printf "%s:%s" .Values.pipeline.image.repository (default .Chart.AppVersion .Values.pipeline.image.tag) }}
{{- end }}

{{- define "heimdex.serviceAccount" -}}
{{- include "heimdex.component" (dict "ctx" .ctx "component" .component) }}
{{- end }}

{{/* The Secret with DATABASE_URL, S3_ACCESS_KEY, S3_SECRET_KEY (and AUTH_JWT_SECRET). */}}
{{- define "heimdex.credentialsSecret" -}}
{{- if .Values.credentials.existingSecret }}
{{- .Values.credentials.existingSecret }}
{{- else if .Values.dev.enabled }}
{{- include "heimdex.component" (dict "ctx" . "component" "dev-credentials") }}
{{- else }}
{{- fail "credentials.existingSecret is required: a Secret with DATABASE_URL, S3_ACCESS_KEY, S3_SECRET_KEY and AUTH_JWT_SECRET (or set dev.enabled=true for a throwaway in-cluster Postgres and S3)" }}
{{- end }}
{{- end }}

{{- define "heimdex.s3Endpoint" -}}
{{- if .Values.storage.endpoint }}
{{- .Values.storage.endpoint }}
{{- else if .Values.dev.enabled }}
{{- printf "http://%s.%s.svc:%d" (include "heimdex.component" (dict "ctx" . "component" "s3")) .Release.Namespace (int .Values.dev.s3.port) }}
{{- else }}
{{- fail "storage.endpoint is required (S3_ENDPOINT of any S3-compatible storage), or set dev.enabled=true" }}
{{- end }}
{{- end }}

{{- define "heimdex.modelsClaim" -}}
{{- default (include "heimdex.component" (dict "ctx" . "component" "models")) .Values.models.existingClaim }}
{{- end }}

{{/*
The files of models.fetch.names that have no pinned SHA-256, "<model>/<path>, …" (files/model-pins.yaml, generated
from models/manifest.ts); fails on a name the fetch Job cannot download at all.
*/}}
{{- define "heimdex.unpinnedModelFiles" -}}
{{- $pins := .Files.Get "files/model-pins.yaml" | fromYaml }}
{{- $unpinned := list }}
{{- range .Values.models.fetch.names }}
{{- if not (hasKey $pins .) }}
{{- fail (printf "models.fetch.names: %s is not a model the fetch Job can download (converted models are made with npm run models:build; see models/README.md); it can download: %s" . (keys $pins | sortAlpha | join ", ")) }}
{{- end }}
{{- $model := . }}
{{- range (index $pins .) }}
{{- $unpinned = append $unpinned (printf "%s/%s" $model .) }}
{{- end }}
{{- end }}
{{- join ", " $unpinned }}
{{- end }}

{{/* Env entries from the credentials Secret, shared by the API and the operator. */}}
{{- define "heimdex.credentialsEnv" -}}
{{- $secret := include "heimdex.credentialsSecret" . }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: {{ .Values.credentials.keys.databaseUrl }} }
- name: S3_ACCESS_KEY
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: {{ .Values.credentials.keys.s3AccessKey }} }
- name: S3_SECRET_KEY
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: {{ .Values.credentials.keys.s3SecretKey }} }
{{- end }}

{{/* Pod security context and the container one, from values. */}}
{{- define "heimdex.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}
