package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
)

// A second, independent corpus: Salesforce Connected App credentials written the way
// integrations really write them, in many more ecosystems and shapes than corpus_test.go,
// with the hard negatives a held-out corpus is likely to hold (every placeholder style,
// environment lookups in every language, JWT bearer flows with literal consumer keys,
// upper-case SHA-256 checksums, 19-digit numbers, other identity providers' client
// credentials calls with hex secrets, record ids, prose about the flow). The history has
// dated commits on main, an unmerged branch, a deleted file, a rename, a secret removed from
// a file that stays, a secret added to a file that existed, and an edit that moves lines.
//
// Templates use @@NAME@@ for values built with detectors/fakecred at run time (never a
// literal credential in the repository) and ~BT~ for a backtick.

// c2File is one file written in a step. want lists what must be found in it: a rule and a
// substring of the template that picks its line (the first line holding it). neg files must
// produce no finding at all, in any version.
type c2File struct {
	path    string
	content string
	want    []c2Want
	deny    []string // rules that must not fire anywhere in this file
	neg     bool
}

type c2Want struct {
	rule string
	line string
	sev  string // "" unchecked; "critical"; "!critical" = any lower severity
}

type c2Step struct {
	name, branch, date, message string
	files                       []c2File
	remove                      []string
	rename                      [][2]string
}

const (
	rKey    = "sf-consumer-key"
	rSecret = "sf-consumer-secret"
	rCC     = "sf-client-credentials-call"
	rPW     = "sf-password-grant"
	rAT     = "sf-access-token"
	rRT     = "sf-refresh-token"
	rSFDX   = "sf-sfdx-auth-url"
	rCCEn   = "sf-connected-app-cc-enabled"
	rPEM    = "sf-jwt-private-key"
)

// c2Values builds the corpus values. Names starting with N (negatives' values) are not
// secrets and are not looked for in the output.
func c2Values() map[string]string {
	v := map[string]string{}
	// K42..K44 / S42..S44 appear twice on purpose: the same credential in another file.
	for i := 1; i <= 60; i++ {
		v[fmt.Sprint("K", i)] = fakecred.ConsumerKey(fmt.Sprint("c2-key-", i))
		v[fmt.Sprint("S", i)] = fakecred.ConsumerSecret(fmt.Sprint("c2-secret-", i))
	}
	for i := 1; i <= 4; i++ {
		v[fmt.Sprint("L", i)] = fakecred.LegacyConsumerSecret(fmt.Sprint("c2-legacy-", i))
	}
	for i := 1; i <= 10; i++ {
		v[fmt.Sprint("T", i)] = fakecred.AccessToken(fmt.Sprint("c2-token-", i))
		v[fmt.Sprint("R", i)] = fakecred.RefreshToken(fmt.Sprint("c2-refresh-", i))
		v[fmt.Sprint("P", i)] = fakecred.Password(fmt.Sprint("c2-pw-", i))
		v[fmt.Sprint("ST", i)] = fakecred.SecurityToken(fmt.Sprint("c2-st-", i))
	}
	v["PEM1"] = strings.TrimSuffix(fakecred.PrivateKeyPEM("c2-pem-1"), "\n")
	v["PEMIND"] = strings.ReplaceAll(strings.TrimSuffix(fakecred.PrivateKeyPEM("c2-pem-2"), "\n"), "\n", "\n    ")
	v["SFDX1"] = fakecred.SFDXAuthURL("c2-sfdx-1", "", "", "globex--uat.sandbox.my.salesforce.com")
	v["SFDX2"] = fakecred.SFDXAuthURL("c2-sfdx-2", v["K44"], v["S44"], "globex.my.salesforce.com")
	v["SFDX3"] = fakecred.SFDXAuthURL("c2-sfdx-3", "", "", "globex.my.salesforce.com")
	v["SFDX4"] = fakecred.SFDXAuthURL("c2-sfdx-4", "", "", "globex--dev.sandbox.my.salesforce.com")
	v["B64A"] = base64.StdEncoding.EncodeToString([]byte(v["K42"] + ":" + v["S42"]))
	v["B64B"] = base64.StdEncoding.EncodeToString([]byte(v["K43"] + ":" + v["S43"]))

	// Negatives' values.
	for i := 1; i <= 12; i++ {
		v[fmt.Sprint("NK", i)] = fakecred.ConsumerKey(fmt.Sprint("c2-neg-jwt-", i))
		v[fmt.Sprint("NHEX", i)] = fakecred.ConsumerSecret(fmt.Sprint("c2-neg-sha-", i))
		v[fmt.Sprint("NNUM", i)] = fakecred.LegacyConsumerSecret(fmt.Sprint("c2-neg-num-", i))
	}
	v["NLOWER1"] = strings.ToLower(fakecred.ConsumerSecret("c2-neg-lower-1"))
	v["NLOWER2"] = strings.ToLower(fakecred.ConsumerSecret("c2-neg-lower-2"))
	v["NPEM"] = strings.TrimSuffix(fakecred.PrivateKeyPEM("c2-neg-pem"), "\n")
	v["NLONG"] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + v["NK12"] + "Q3MVG9" + fakecred.SecurityToken("c2-neg-b64") + "AAAABJRU5ErkJggg=="
	return v
}

var c2Slot = regexp.MustCompile(`@@[A-Z0-9]+@@`)

func c2Fill(s string, v map[string]string) string {
	s = strings.ReplaceAll(s, "~BT~", "`")
	for k, val := range v {
		s = strings.ReplaceAll(s, "@@"+k+"@@", val)
	}
	if m := c2Slot.FindString(s); m != "" {
		panic("corpus2: unfilled value " + m)
	}
	return s
}

var c2Steps = []c2Step{
	{name: "A", date: "2024-01-08T09:00:00Z", message: "salesforce integrations: config, CI, clients", files: []c2File{
		// ---- YAML / config ecosystems ----
		{path: "config/salesforce.yml", content: `# Salesforce connection for the order sync worker
salesforce:
  instance_url: https://globex.my.salesforce.com
  api_version: "60.0"
  auth:
    flow: client_credentials
    client_id: @@K1@@
    client_secret: @@S1@@
  retry:
    attempts: 3
`, want: []c2Want{{rKey, "@@K1@@", ""}, {rSecret, "@@S1@@", ""}}},
		{path: "src/main/resources/application.yml", content: `server:
  port: 8080
spring:
  security:
    oauth2:
      client:
        registration:
          salesforce:
            client-id: @@K2@@
            client-secret: @@S2@@
            authorization-grant-type: client_credentials
            scope: api
        provider:
          salesforce:
            token-uri: https://globex.my.salesforce.com/services/oauth2/token
`, want: []c2Want{{rKey, "@@K2@@", ""}, {rSecret, "@@S2@@", ""}, {rCC, "authorization-grant-type", "critical"}}},
		{path: "k8s/base/salesforce-secret.yaml", content: `apiVersion: v1
kind: Secret
metadata:
  name: salesforce-credentials
  namespace: integrations
type: Opaque
stringData:
  SALESFORCE_LOGIN_URL: https://globex.my.salesforce.com
  SALESFORCE_CLIENT_ID: @@K3@@
  SALESFORCE_CLIENT_SECRET: "@@S3@@"
`, want: []c2Want{{rKey, "@@K3@@", ""}, {rSecret, "@@S3@@", ""}}},
		{path: "k8s/base/sf-bridge-configmap.yaml", content: `apiVersion: v1
kind: ConfigMap
metadata:
  name: sf-bridge-config
data:
  sf.login-url: "https://globex.my.salesforce.com"
  sf.consumer-key: "@@K4@@"
  sf.consumer-secret: "@@L1@@"
`, want: []c2Want{{rKey, "@@K4@@", ""}, {rSecret, "@@L1@@", ""}}},
		{path: "docker-compose.yml", content: `version: "3.9"
services:
  sf-sync:
    image: globex/sf-sync:1.4.2
    env_file: .env
    environment:
      SF_INSTANCE_URL: https://globex.my.salesforce.com
      SF_CONSUMER_KEY: ${SF_CONSUMER_KEY}
      SF_CONSUMER_SECRET: ${SF_CONSUMER_SECRET}
  redis:
    image: redis:7
`},
		{path: "helm/sf-bridge/values.yaml", content: `replicaCount: 2
image:
  repository: ghcr.io/globex/sf-bridge
  tag: "2.3.0"
salesforce:
  loginUrl: https://globex.my.salesforce.com
  consumerKey: "@@K6@@"
  consumerSecret: "@@S6@@"
  existingSecret: ""
resources: {}
`, want: []c2Want{{rKey, "@@K6@@", ""}, {rSecret, "@@S6@@", ""}}},
		{path: "infra/terraform/variables.tf", content: `variable "sf_instance_url" {
  type    = string
  default = "https://globex.my.salesforce.com"
}

variable "sf_client_id" {
  type    = string
  default = "@@K7@@"
}

variable "sf_client_secret" {
  description = "Connected App consumer secret for the ETL integration"
  type        = string
  sensitive   = true
  default     = "@@S7@@"
}
`, want: []c2Want{{rKey, "@@K7@@", ""}, {rSecret, "@@S7@@", ""}}},
		{path: "infra/terraform/secrets.tf", content: `resource "aws_secretsmanager_secret" "salesforce" {
  name = "integrations/salesforce"
}

resource "aws_secretsmanager_secret_version" "salesforce" {
  secret_id = aws_secretsmanager_secret.salesforce.id
  secret_string = jsonencode({
    instance_url  = "https://globex.my.salesforce.com"
    client_id     = "@@K8@@"
    client_secret = "@@S8@@"
  })
}
`, want: []c2Want{{rKey, "@@K8@@", ""}, {rSecret, "@@S8@@", ""}}},
		{path: ".github/workflows/nightly-sync.yml", content: `name: nightly-sync
on:
  schedule:
    - cron: "0 3 * * *"
jobs:
  sync:
    runs-on: ubuntu-latest
    env:
      SF_CLIENT_ID: @@K9@@
      SF_CLIENT_SECRET: @@S9@@
      SF_TOKEN_URL: https://globex.my.salesforce.com/services/oauth2/token
    steps:
      - uses: actions/checkout@v4
      - name: Get token
        run: |
          curl -sS -X POST "$SF_TOKEN_URL" \
            -d grant_type=client_credentials \
            -d client_id="$SF_CLIENT_ID" \
            -d client_secret="$SF_CLIENT_SECRET" > token.json
`, want: []c2Want{{rKey, "@@K9@@", ""}, {rSecret, "@@S9@@", ""}, {rCC, "-d grant_type=client_credentials", ""}}},
		{path: ".gitlab-ci.yml", content: `stages: [test, deploy]

variables:
  SALESFORCE_INSTANCE_URL: "https://globex.my.salesforce.com"
  SALESFORCE_CONSUMER_KEY: "@@K10@@"
  SALESFORCE_CONSUMER_SECRET: "@@S10@@"

deploy:
  stage: deploy
  image: python:3.12
  script:
    - pip install -r requirements.txt
    - python -m sync.push
`, want: []c2Want{{rKey, "@@K10@@", ""}, {rSecret, "@@S10@@", ""}}},
		{path: "Jenkinsfile", content: `pipeline {
    agent any
    environment {
        SF_LOGIN_URL       = 'https://globex.my.salesforce.com'
        SF_CONSUMER_KEY    = '@@K11@@'
        SF_CONSUMER_SECRET = '@@L2@@'
        SF_USERNAME        = 'ci@globex.example'
    }
    stages {
        stage('Deploy') {
            steps {
                sh 'sf project deploy start --target-org ci'
            }
        }
    }
}
`, want: []c2Want{{rKey, "@@K11@@", ""}, {rSecret, "@@L2@@", ""}}},
		{path: "ansible/group_vars/integrations.yml", content: `---
sfdc_login_url: https://globex.my.salesforce.com
sfdc_client_id: "@@K12@@"
sfdc_client_secret: "@@S12@@"
sfdc_api_user: integration@globex.example
`, want: []c2Want{{rKey, "@@K12@@", ""}, {rSecret, "@@S12@@", ""}}},
		{path: "config/sfsync.ini", content: `; sfsync settings
[salesforce]
login_url = https://globex.my.salesforce.com
client-id = @@K13@@
client-secret = @@S13@@
timeout = 30
`, want: []c2Want{{rKey, "@@K13@@", ""}, {rSecret, "@@S13@@", ""}}},
		{path: ".env.production", content: `NODE_ENV=production
VITE_SALESFORCE_INSTANCE_URL=https://globex.my.salesforce.com
VITE_SALESFORCE_CLIENT_ID=@@K38@@
SALESFORCE_CLIENT_SECRET=@@S38@@
SALESFORCE_REFRESH_TOKEN=@@R3@@
`, want: []c2Want{{rKey, "@@K38@@", ""}, {rSecret, "@@S38@@", ""}, {rRT, "@@R3@@", ""}}},

		// ---- TypeScript / JavaScript ----
		{path: "web/src/lib/salesforceClient.ts", content: `import axios from 'axios';

export class SalesforceClient {
  private readonly tokenUrl = 'https://globex.my.salesforce.com/services/oauth2/token';
  private readonly consumerKey = '@@K14@@';
  private readonly consumerSecret = '@@S14@@';

  async accessToken(): Promise<string> {
    const params = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.consumerKey,
      client_secret: this.consumerSecret,
    });
    const res = await axios.post(this.tokenUrl, params);
    return res.data.access_token;
  }
}
`, want: []c2Want{{rKey, "@@K14@@", ""}, {rSecret, "@@S14@@", ""}, {rCC, "grant_type: 'client_credentials'", "critical"}}},
		{path: "server/jsforceAuth.js", content: `const jsforce = require('jsforce');

const oauth2 = new jsforce.OAuth2({
  loginUrl: 'https://globex.my.salesforce.com',
  clientId: '@@K20@@',
  clientSecret: '@@S20@@',
  redirectUri: 'https://portal.globex.example/oauth/callback',
});

module.exports = { oauth2 };
`, want: []c2Want{{rKey, "@@K20@@", ""}, {rSecret, "@@S20@@", ""}}},
		{path: "server/sfLogin.js", content: `const jsforce = require('jsforce');

async function connect() {
  const conn = new jsforce.Connection({ loginUrl: 'https://login.salesforce.com' });
  await conn.login('etl@globex.example', '@@P1@@' + '@@ST1@@');
  return conn;
}

module.exports = { connect };
`, want: []c2Want{{rPW, "conn.login(", ""}}},

		// ---- shell / logs ----
		{path: "scripts/sf_token.sh", content: `#!/usr/bin/env bash
# Fetch a Salesforce access token for the reporting job
set -euo pipefail
SF_HOST="globex.my.salesforce.com"
curl -sS -u "@@K15@@:@@S15@@" \
  -d grant_type=client_credentials \
  "https://${SF_HOST}/services/oauth2/token"
`, want: []c2Want{{rKey, "curl -sS -u", ""}, {rSecret, "curl -sS -u", ""}, {rCC, "-d grant_type=client_credentials", "critical"}}},
		{path: "logs/http-debug.log", content: `2024-01-08 09:14:02,114 DEBUG urllib3.connectionpool Starting new HTTPS connection (1): globex.my.salesforce.com:443
2024-01-08 09:14:02,380 DEBUG sf_sync.http > GET /services/data/v60.0/sobjects/Account/describe
2024-01-08 09:14:02,380 DEBUG sf_sync.http > Authorization: Bearer @@T1@@
2024-01-08 09:14:02,511 DEBUG sf_sync.http < 200 OK
`, want: []c2Want{{rAT, "@@T1@@", ""}}},

		// ---- Python ----
		{path: "integrations/crm/token_client.py", content: `"""Token client for the Salesforce CRM bridge."""
import requests


class SalesforceSettings:
    token_url = "https://globex.my.salesforce.com/services/oauth2/token"
    sf_client_id = "@@K16@@"
    sf_client_secret = "@@S16@@"


def fetch_token(cfg=SalesforceSettings):
    payload = f"grant_type=client_credentials&client_id={cfg.sf_client_id}&client_secret={cfg.sf_client_secret}"
    resp = requests.post(cfg.token_url, data=payload,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    resp.raise_for_status()
    return resp.json()["access_token"]
`, want: []c2Want{{rKey, "@@K16@@", ""}, {rSecret, "@@S16@@", ""}, {rCC, "payload = f", "critical"}}},
		{path: "integrations/crm/basic_auth_token.py", content: `import requests

SF_KEY = "@@K17@@"
SF_SECRET = "@@S17@@"
TOKEN_URL = "https://globex.my.salesforce.com/services/oauth2/token"


def token():
    r = requests.post(TOKEN_URL, auth=(SF_KEY, SF_SECRET),
                      data={"grant_type": "client_credentials"}, timeout=10)
    r.raise_for_status()
    return r.json()
`, want: []c2Want{{rKey, "@@K17@@", ""}, {rSecret, "@@S17@@", ""}, {rCC, `data={"grant_type": "client_credentials"}`, "critical"}}},
		{path: "integrations/crm/settings.py", content: `SALESFORCE = {
    "instance_url": "https://globex.my.salesforce.com",
    "consumer_key": "@@K18@@",
    "consumer_secret": "@@S18@@",
    "api_version": "60.0",
}
`, want: []c2Want{{rKey, "@@K18@@", ""}, {rSecret, "@@S18@@", ""}}},
		{path: "integrations/crm/simple_sf.py", content: `from simple_salesforce import Salesforce

sf = Salesforce(
    consumer_key="@@K19@@",
    consumer_secret="@@S19@@",
    domain="globex.my",
)
print(sf.query("SELECT Id, Name FROM Account LIMIT 5"))
`, want: []c2Want{{rCC, "sf = Salesforce(", "critical"}, {rKey, "@@K19@@", ""}, {rSecret, "@@S19@@", ""}}},
		{path: "integrations/legacy/pw_login.py", content: `import requests

resp = requests.post("https://login.salesforce.com/services/oauth2/token", data={
    "grant_type": "password",
    "client_id": "@@K37@@",
    "client_secret": "@@S37@@",
    "username": "legacy@globex.example",
    "password": "@@P5@@",
})
print(resp.json()["instance_url"])
`, want: []c2Want{{rPW, "@@P5@@", ""}, {rKey, "@@K37@@", ""}, {rSecret, "@@S37@@", ""}}},

		// ---- Postman ----
		{path: "postman/Globex Salesforce.postman_collection.json", content: `{
  "info": {
    "_postman_id": "1f0c7f7e-3c53-4b8e-9a40-7d1a6f6c2b11",
    "name": "Globex Salesforce",
    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
  },
  "auth": {
    "type": "oauth2",
    "oauth2": [
      {
        "key": "grant_type",
        "value": "client_credentials",
        "type": "string"
      },
      {
        "key": "clientSecret",
        "value": "@@S21@@",
        "type": "string"
      },
      {
        "key": "clientId",
        "value": "@@K21@@",
        "type": "string"
      },
      {
        "key": "accessTokenUrl",
        "value": "https://globex.my.salesforce.com/services/oauth2/token",
        "type": "string"
      },
      {
        "key": "addTokenTo",
        "value": "header",
        "type": "string"
      }
    ]
  },
  "item": [
    {
      "name": "Accounts",
      "request": {
        "method": "GET",
        "url": "https://globex.my.salesforce.com/services/data/v60.0/query?q=SELECT+Id+FROM+Account"
      }
    }
  ]
}
`, want: []c2Want{{rCC, `"value": "client_credentials"`, "critical"}, {rSecret, "@@S21@@", ""}, {rKey, "@@K21@@", ""}}},
		{path: "postman/token.postman_collection.json", content: `{"info":{"name":"SF token","schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
"item":[{"name":"Token","request":{"auth":{"type":"oauth2","oauth2":[{"key":"grant_type","value":"client_credentials","type":"string"},{"key":"clientId","value":"@@K22@@","type":"string"},{"key":"clientSecret","value":"@@S22@@","type":"string"},{"key":"accessTokenUrl","value":"https://globex.my.salesforce.com/services/oauth2/token","type":"string"}]},"method":"POST","url":"https://globex.my.salesforce.com/services/oauth2/token"}}]}
`, want: []c2Want{{rCC, `"grant_type"`, ""}, {rKey, "@@K22@@", ""}, {rSecret, "@@S22@@", ""}}},
		{path: "postman/globex-prod.postman_environment.json", content: `{
  "id": "5b0d7a7e-0c0a-4a8e-8a55-2b7f3d1c9e21",
  "name": "Globex Prod",
  "values": [
    {"key": "url", "value": "https://globex.my.salesforce.com", "type": "default", "enabled": true},
    {"key": "clientId", "value": "@@K23@@", "type": "default", "enabled": true},
    {"key": "clientSecret", "value": "@@S23@@", "type": "secret", "enabled": true},
    {"key": "access_token", "value": "@@T2@@", "type": "secret", "enabled": true},
    {"key": "refresh_token", "value": "@@R1@@", "type": "secret", "enabled": true}
  ],
  "_postman_variable_scope": "environment"
}
`, want: []c2Want{{rKey, "@@K23@@", ""}, {rSecret, "@@S23@@", ""}, {rAT, "@@T2@@", ""}, {rRT, "@@R1@@", ""}}},

		// ---- Jupyter ----
		{path: "notebooks/sf_exploration.ipynb", content: `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 3,
   "metadata": {},
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "{'access_token': '@@T3@@', 'instance_url': 'https://globex.my.salesforce.com', 'token_type': 'Bearer', 'issued_at': '1704704400000'}\n"
     ]
    }
   ],
   "source": [
    "import requests\n",
    "sf_client_id = \"@@K24@@\"\n",
    "sf_client_secret = \"@@S24@@\"\n",
    "r = requests.post(\"https://globex.my.salesforce.com/services/oauth2/token\", data={\"grant_type\": \"client_credentials\", \"client_id\": sf_client_id, \"client_secret\": sf_client_secret})\n",
    "r.json()"
   ]
  }
 ],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
`, want: []c2Want{{rAT, "@@T3@@", ""}, {rKey, "@@K24@@", ""}, {rSecret, "@@S24@@", ""}, {rCC, `"r = requests.post(`, "critical"}}},

		// ---- MuleSoft / Boomi ----
		{path: "mule/src/main/mule/sf-user-pass.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<mule xmlns="http://www.mulesoft.org/schema/mule/core"
      xmlns:salesforce="http://www.mulesoft.org/schema/mule/salesforce"
      xmlns:doc="http://www.mulesoft.org/schema/mule/documentation">
  <salesforce:sfdc-config name="Salesforce_Legacy" doc:name="Salesforce Config">
    <salesforce:oauth-user-pass-connection
        consumerKey="@@K25@@"
        consumerSecret="@@S25@@"
        username="mule@globex.example"
        password="@@P2@@"
        securityToken="@@ST2@@"
        tokenEndpoint="https://login.salesforce.com/services/oauth2/token"/>
  </salesforce:sfdc-config>
</mule>
`, want: []c2Want{{rKey, "@@K25@@", ""}, {rSecret, "@@S25@@", ""}, {rPW, "@@P2@@", ""}}},
		{path: "mule/src/main/resources/config/prod.yaml", content: `salesforce:
  tokenUrl: "https://globex.my.salesforce.com/services/oauth2/token"
  clientId: "@@K26@@"
  clientSecret: "@@S26@@"
http:
  port: "8081"
`, want: []c2Want{{rKey, "@@K26@@", ""}, {rSecret, "@@S26@@", ""}}},
		{path: "boomi/Component/Salesforce_SOAP_Connection.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<bns:Component xmlns:bns="http://api.platform.boomi.com/" componentId="8c1b3e52-7a0f-4d61-9b1e-2f4d7c0e9a13" name="Salesforce Prod" type="connector-settings" subType="salesforce">
  <bns:object>
    <GenericConnectionConfig>
      <field id="url" type="string" value="https://login.salesforce.com/services/Soap/u/60.0"/>
      <field id="user" type="string" value="boomi@globex.example"/>
      <field id="password" type="password" value="@@P3@@@@ST3@@"/>
      <field id="useOAuth" type="boolean" value="false"/>
    </GenericConnectionConfig>
  </bns:object>
</bns:Component>
`, want: []c2Want{{rPW, "@@P3@@", ""}}},
		{path: "boomi/Component/Salesforce_OAuth_Connection.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<bns:Component xmlns:bns="http://api.platform.boomi.com/" componentId="0f2a9c77-51d3-4e0b-8f6a-3c2b1d9e4a55" name="Salesforce OAuth" type="connector-settings" subType="salesforce">
  <bns:object>
    <GenericConnectionConfig>
      <field id="url" type="string" value="https://globex.my.salesforce.com/services/Soap/u/60.0"/>
      <field id="oauthGrantType" type="string" value="client_credentials"/>
      <field id="clientId" type="string" value="@@K27@@"/>
      <field id="clientSecret" type="password" value="@@S27@@"/>
      <field id="accessTokenUrl" type="string" value="https://globex.my.salesforce.com/services/oauth2/token"/>
    </GenericConnectionConfig>
  </bns:object>
</bns:Component>
`, want: []c2Want{{rCC, "oauthGrantType", "critical"}, {rKey, "@@K27@@", ""}, {rSecret, "@@S27@@", ""}}},

		// ---- PowerShell ----
		{path: "powershell/Get-SalesforceToken.ps1", content: `param([string]$InstanceUrl = 'https://globex.my.salesforce.com')

$ClientId = '@@K28@@'
$ClientSecret = '@@S28@@'

$body = "grant_type=client_credentials&client_id=$ClientId&client_secret=$ClientSecret"
$token = Invoke-RestMethod -Method Post -Uri "$InstanceUrl/services/oauth2/token" ~BT~
    -ContentType 'application/x-www-form-urlencoded' -Body $body
$token.access_token
`, want: []c2Want{{rKey, "@@K28@@", ""}, {rSecret, "@@S28@@", ""}, {rCC, "$body = ", "critical"}}},
		{path: "powershell/Invoke-SfSync.ps1", content: `$pair = '@@K29@@:@@S29@@'
$basic = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($pair))
$headers = @{ Authorization = "Basic $basic" }
Invoke-RestMethod -Method Post -Uri 'https://globex.my.salesforce.com/services/oauth2/token' -Headers $headers -Body @{ grant_type = 'client_credentials' }
`, want: []c2Want{{rKey, "$pair = ", ""}, {rSecret, "$pair = ", ""}, {rCC, "Invoke-RestMethod", "critical"}}},

		// ---- Go ----
		{path: "cmd/sfpull/token.go", content: `package main

import (
	"net/http"
	"net/url"
)

const (
	sfTokenURL     = "https://globex.my.salesforce.com/services/oauth2/token"
	sfClientID     = "@@K30@@"
	sfClientSecret = "@@S30@@"
)

func fetchToken() (*http.Response, error) {
	form := url.Values{}
	form.Set("grant_type", "client_credentials")
	form.Set("client_id", sfClientID)
	form.Set("client_secret", sfClientSecret)
	return http.PostForm(sfTokenURL, form)
}
`, want: []c2Want{{rKey, "@@K30@@", ""}, {rSecret, "@@S30@@", ""}, {rCC, `form.Set("grant_type"`, "critical"}}},

		// ---- Apex ----
		{path: "force-app/main/default/classes/ErpTokenService.cls", content: `public with sharing class ErpTokenService {
    private static final String CLIENT_ID = '@@K31@@';
    private static final String CLIENT_SECRET = '@@S31@@';

    public static String fetchToken() {
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://globex.my.salesforce.com/services/oauth2/token');
        req.setMethod('POST');
        req.setHeader('Content-Type', 'application/x-www-form-urlencoded');
        req.setBody('grant_type=client_credentials' +
            '&client_id=' + EncodingUtil.urlEncode(CLIENT_ID, 'UTF-8') +
            '&client_secret=' + EncodingUtil.urlEncode(CLIENT_SECRET, 'UTF-8'));
        HttpResponse res = new Http().send(req);
        Map<String, Object> m = (Map<String, Object>) JSON.deserializeUntyped(res.getBody());
        return (String) m.get('access_token');
    }
}
`, want: []c2Want{{rKey, "@@K31@@", ""}, {rSecret, "@@S31@@", ""}, {rCC, "req.setBody(", "critical"}}},

		// ---- Salesforce metadata ----
		{path: "force-app/main/default/extlClntAppGlobalOauthSets/Globex_ETL_glbloauth.ecaGlblOauth-meta.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppGlobalOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">
    <callbackUrl>https://login.salesforce.com/services/oauth2/success</callbackUrl>
    <consumerKey>@@K32@@</consumerKey>
    <consumerSecret>@@S32@@</consumerSecret>
    <externalClientApplication>Globex_ETL</externalClientApplication>
    <isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>
    <isConsumerSecretOptional>false</isConsumerSecretOptional>
    <label>Globex ETL</label>
</ExtlClntAppGlobalOauthSettings>
`, want: []c2Want{{rKey, "@@K32@@", ""}, {rSecret, "@@S32@@", ""}, {rCCEn, "<isClientCredentialsFlowEnabled>", ""}}},
		{path: "force-app/main/default/extlClntAppOauthPolicies/Globex_ETL_plcy.ecaOauthPlcy-meta.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthConfigurablePolicies xmlns="http://soap.sforce.com/2006/04/metadata">
    <clientCredentialsFlowUser>etl.integration@globex.example</clientCredentialsFlowUser>
    <externalClientApplication>Globex_ETL</externalClientApplication>
    <ipRelaxationPolicyType>Bypass</ipRelaxationPolicyType>
    <isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>
    <label>Globex ETL policies</label>
    <permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>
</ExtlClntAppOauthConfigurablePolicies>
`, want: []c2Want{{rCCEn, "<isClientCredentialsFlowEnabled>", ""}}},

		// ---- Salesforce CLI auth artefacts, keys ----
		{path: ".sfdx/ci@globex.example.json", content: `{
  "accessToken": "@@T4@@",
  "instanceUrl": "https://globex.my.salesforce.com",
  "orgId": "00D5e000000GlbxEAC",
  "loginUrl": "https://login.salesforce.com",
  "refreshToken": "@@R2@@",
  "clientId": "PlatformCLI",
  "isDevHub": false,
  "instanceApiVersion": "60.0",
  "username": "ci@globex.example"
}
`, want: []c2Want{{rAT, "@@T4@@", ""}, {rRT, "@@R2@@", ""}}},
		{path: "docs/ci/org-display.json", content: `{
  "status": 0,
  "result": {
    "id": "00D5e000000GlbxEAC",
    "apiVersion": "60.0",
    "accessToken": "@@T5@@",
    "instanceUrl": "https://globex--uat.sandbox.my.salesforce.com",
    "username": "ci@globex.example.uat",
    "clientId": "PlatformCLI",
    "connectedStatus": "Connected",
    "sfdxAuthUrl": "@@SFDX1@@",
    "alias": "uat"
  },
  "warnings": []
}
`, want: []c2Want{{rAT, "@@T5@@", ""}, {rSFDX, "@@SFDX1@@", ""}}},
		{path: "ci/sfdx-auth.json", content: `{"sfdxAuthUrl": "@@SFDX2@@"}
`, want: []c2Want{{rSFDX, "@@SFDX2@@", ""}}},
		{path: "jwt/server.key", content: "@@PEM1@@\n", want: []c2Want{{rPEM, "@@PEM1@@", ""}}},

		// ---- hard negatives ----
		{neg: true, path: "jwt/login.sh", content: `#!/usr/bin/env bash
# Authorise the CI org with the JWT bearer flow (the key never leaves the runner).
set -euo pipefail
sf org login jwt \
  --client-id @@NK1@@ \
  --jwt-key-file jwt/server.key \
  --username ci@globex.example \
  --instance-url https://login.salesforce.com \
  --set-default
`},
		{neg: true, path: "jwt/server.crt", content: `-----BEGIN CERTIFICATE-----
MIIDazCCAlOgAwIBAgIUQ1FjY2FsZXNmb3JjZS1qd3QtY2VydDAeFw0yNDAxMDgwOTAwMDBa
Fw0yNjAxMDgwOTAwMDBaMEUxCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMSEw
-----END CERTIFICATE-----
`},
		{neg: true, path: "config/salesforce.example.yml", content: `# Copy to salesforce.yml and fill in from Setup > App Manager > Globex ETL
salesforce:
  instance_url: https://<MY_DOMAIN>.my.salesforce.com
  auth:
    client_id: <CONSUMER_KEY>
    client_secret: <CONSUMER_SECRET>
`},
		{neg: true, path: ".env.example", content: `SF_INSTANCE_URL=https://your-domain.my.salesforce.com
SF_CLIENT_ID=YOUR_CLIENT_ID
SF_CLIENT_SECRET=YOUR_CLIENT_SECRET
SF_USERNAME=integration@example.com
SF_PASSWORD=changeme
SF_SECURITY_TOKEN=
SF_REFRESH_TOKEN=
`},
		{neg: true, path: "src/main/resources/application-local.properties", content: `salesforce.login-url=https://globex.my.salesforce.com
salesforce.client-id=${SF_CLIENT_ID}
salesforce.client-secret=${SF_SECRET}
salesforce.username=${SF_USERNAME}
salesforce.password=****
`},
		{neg: true, path: "postman/Globex.template.postman_environment.json", content: `{
  "name": "Globex (template)",
  "values": [
    {"key": "url", "value": "https://globex.my.salesforce.com", "enabled": true},
    {"key": "clientId", "value": "xxxxxxxxxxxxxxxxxxxxxxxx", "enabled": true},
    {"key": "clientSecret", "value": "REDACTED", "enabled": true},
    {"key": "password", "value": "", "enabled": true},
    {"key": "access_token", "value": "", "enabled": true}
  ]
}
`},
		{neg: true, path: "config/redacted.yaml", content: `# Values masked before sharing with the Salesforce partner team
salesforce:
  consumer_key: "3MVG9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  consumer_secret: "****************************************************************"
  password: changeme
  refresh_token: REDACTED
`},
		{neg: true, path: "integrations/env_config.py", content: `import os

SF_INSTANCE_URL = os.environ["SF_INSTANCE_URL"]
SF_CLIENT_ID = os.environ["SF_CLIENT_ID"]
SF_CLIENT_SECRET = os.getenv("SF_CLIENT_SECRET")
SALESFORCE_REFRESH_TOKEN = os.environ.get("SALESFORCE_REFRESH_TOKEN", "")
`},
		{neg: true, path: "web/src/config.ts", content: `export const salesforce = {
  instanceUrl: import.meta.env.VITE_SALESFORCE_INSTANCE_URL,
  clientId: process.env.SALESFORCE_CLIENT_ID ?? '',
  clientSecret: process.env.SALESFORCE_CLIENT_SECRET ?? '',
};
`},
		{neg: true, path: "src/main/java/com/globex/sf/EnvConfig.java", content: `package com.globex.sf;

public final class EnvConfig {
    public static final String SF_CLIENT_ID = System.getenv("SF_CLIENT_ID");
    public static final String SF_CLIENT_SECRET = System.getenv("SF_CLIENT_SECRET");
    public static final String SALESFORCE_URL = System.getProperty("salesforce.url", "https://globex.my.salesforce.com");
}
`},
		{neg: true, path: "src/Globex.Sync/EnvSettings.cs", content: `namespace Globex.Sync;

public static class EnvSettings
{
    public static string SalesforceClientId => Environment.GetEnvironmentVariable("SALESFORCE_CLIENT_ID") ?? "";
    public static string SalesforceClientSecret => Environment.GetEnvironmentVariable("SALESFORCE_CLIENT_SECRET") ?? "";
}
`},
		{neg: true, path: "cmd/sfpull/env.go", content: `package main

import "os"

var (
	sfEnvClientID     = os.Getenv("SF_CLIENT_ID")
	sfEnvClientSecret = os.Getenv("SF_CLIENT_SECRET")
	sfEnvInstance     = os.Getenv("SF_INSTANCE_URL") // https://globex.my.salesforce.com
)
`},
		{neg: true, path: "lib/globex/env.rb", content: `module Globex
  SALESFORCE = {
    host: ENV.fetch('SALESFORCE_HOST', 'globex.my.salesforce.com'),
    client_id: ENV.fetch('SALESFORCE_CLIENT_ID'),
    client_secret: ENV['SALESFORCE_CLIENT_SECRET']
  }.freeze
end
`},
		{neg: true, path: "config/services.php", content: `<?php

return [
    'salesforce' => [
        'client_id' => env('SALESFORCE_CLIENT_ID'),
        'client_secret' => env('SALESFORCE_CLIENT_SECRET'),
        'instance_url' => env('SALESFORCE_INSTANCE_URL', 'https://globex.my.salesforce.com'),
    ],
];
`},
		{neg: true, path: "powershell/Env-Config.ps1", content: `$InstanceUrl = 'https://globex.my.salesforce.com'
$ClientId = $env:SF_CLIENT_ID
$ClientSecret = $env:SF_CLIENT_SECRET
Write-Host "Using Salesforce app $ClientId"
`},
		{neg: true, path: "scripts/env.sh", content: `#!/bin/sh
# Salesforce settings come from the CI secret store.
export SF_CLIENT_ID="${SF_CLIENT_ID:?missing}"
export SF_CLIENT_SECRET="${SF_CLIENT_SECRET:?missing}"
export SF_INSTANCE_URL="https://globex.my.salesforce.com"
`},
		{neg: true, path: "infra/terraform/lambda.tf", content: `resource "aws_lambda_function" "sf_sync" {
  function_name = "salesforce-sync"
  runtime       = "python3.12"
  handler       = "app.handler"
  environment {
    variables = {
      SF_CLIENT_ID     = var.sf_client_id
      SF_CLIENT_SECRET = var.sf_client_secret
      SF_INSTANCE_URL  = local.sf_instance_url
    }
  }
}
`},
		{neg: true, path: "infra/terraform/provider.tf", content: `terraform {
  required_providers {
    salesforce = {
      source  = "hashicorp/salesforce"
      version = "~> 0.1"
    }
  }
}

# The provider signs a JWT with the Connected App's certificate key.
provider "salesforce" {
  client_id   = "@@NK2@@"
  private_key = file("${path.module}/keys/server.key")
  api_version = "60.0"
  login_url   = "https://login.salesforce.com"
  username    = "terraform@globex.example"
}
`},
		{neg: true, path: "k8s/base/deployment.yaml", content: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sf-bridge
spec:
  template:
    spec:
      containers:
        - name: sf-bridge
          image: ghcr.io/globex/sf-bridge:2.3.0
          env:
            - name: SALESFORCE_CLIENT_ID
              valueFrom:
                secretKeyRef: {name: salesforce-credentials, key: SALESFORCE_CLIENT_ID}
            - name: SALESFORCE_CLIENT_SECRET
              valueFrom:
                secretKeyRef: {name: salesforce-credentials, key: SALESFORCE_CLIENT_SECRET}
`},
		{neg: true, path: "helm/sf-bridge/templates/secret.yaml", content: `apiVersion: v1
kind: Secret
metadata:
  name: {{ include "sf-bridge.fullname" . }}
  annotations:
    checksum/salesforce: {{ .Values.salesforce | toYaml | sha256sum }}
type: Opaque
data:
  SALESFORCE_CONSUMER_KEY: {{ .Values.salesforce.consumerKey | b64enc | quote }}
  SALESFORCE_CONSUMER_SECRET: {{ .Values.salesforce.consumerSecret | b64enc | quote }}
`},
		{neg: true, path: "force-app/main/default/classes/ErpCallout.cls", content: `public with sharing class ErpCallout {
    // Authentication is handled by the Globex_Salesforce Named Credential.
    public static HttpResponse accounts() {
        HttpRequest req = new HttpRequest();
        req.setEndpoint('callout:Globex_Salesforce/services/data/v60.0/query?q=SELECT+Id+FROM+Account');
        req.setMethod('GET');
        return new Http().send(req);
    }
}
`},
		{neg: true, path: "Jenkinsfile.release", content: `pipeline {
    agent any
    environment {
        SF_CONSUMER_KEY    = credentials('sf-consumer-key')
        SF_CONSUMER_SECRET = credentials('sf-consumer-secret')
        SF_INSTANCE_URL    = 'https://globex.my.salesforce.com'
    }
    stages {
        stage('Release') { steps { sh './release.sh' } }
    }
}
`},
		{neg: true, path: ".github/workflows/deploy.yml", content: `name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm install --global @salesforce/cli
      - name: Authorise (JWT bearer flow)
        run: |
          echo "${{ secrets.SF_JWT_KEY }}" > server.key
          sf org login jwt --client-id @@NK3@@ --jwt-key-file server.key \
            --username ci@globex.example --instance-url https://login.salesforce.com
      - run: sf project deploy start --target-org ci@globex.example
`},
		// JWT bearer flow implementations with literal consumer keys.
		{neg: true, path: "integrations/jwt/jwt_auth.py", content: `import time

import jwt
import requests

CONSUMER_KEY = "@@NK4@@"
AUDIENCE = "https://login.salesforce.com"


def login(username, private_key_pem):
    claims = {"iss": CONSUMER_KEY, "sub": username, "aud": AUDIENCE, "exp": int(time.time()) + 300}
    assertion = jwt.encode(claims, private_key_pem, algorithm="RS256")
    r = requests.post(AUDIENCE + "/services/oauth2/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": assertion,
    })
    return r.json()
`},
		{neg: true, path: "src/main/java/com/globex/sf/JwtAuth.java", content: `package com.globex.sf;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.SignatureAlgorithm;

public class JwtAuth {
    private static final String CONSUMER_KEY = "@@NK5@@";

    public String assertion(java.security.PrivateKey key, String user) {
        return Jwts.builder()
            .setIssuer(CONSUMER_KEY)
            .setSubject(user)
            .setAudience("https://login.salesforce.com")
            .setExpiration(new java.util.Date(System.currentTimeMillis() + 300_000))
            .signWith(key, SignatureAlgorithm.RS256)
            .compact();
    }
}
`},
		{neg: true, path: "server/jwtAuth.js", content: `const fs = require('fs');
const jwt = require('jsonwebtoken');

const token = jwt.sign(
  { iss: '@@NK6@@', sub: 'api@globex.example', aud: 'https://login.salesforce.com' },
  fs.readFileSync(process.env.SF_JWT_KEY_PATH),
  { algorithm: 'RS256', expiresIn: 300 },
);

module.exports = async function login() {
  const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: token });
  return fetch('https://login.salesforce.com/services/oauth2/token', { method: 'POST', body });
};
`},
		{neg: true, path: "src/Globex.Sync/JwtBearerAuth.cs", content: `using System.IdentityModel.Tokens.Jwt;
using Microsoft.IdentityModel.Tokens;

namespace Globex.Sync;

public static class JwtBearerAuth
{
    private const string ConsumerKey = "@@NK7@@";

    public static FormUrlEncodedContent Request(RsaSecurityKey key, string user)
    {
        var token = new JwtSecurityToken(
            issuer: ConsumerKey,
            audience: "https://login.salesforce.com",
            claims: new[] { new System.Security.Claims.Claim("sub", user) },
            expires: DateTime.UtcNow.AddMinutes(3),
            signingCredentials: new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        return new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = new JwtSecurityTokenHandler().WriteToken(token),
        });
    }
}
`},
		{neg: true, path: "cmd/jwtlogin/main.go", content: `package main

import (
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const consumerKey = "@@NK8@@"

func login(key any, user string) (*http.Response, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": consumerKey, "sub": user, "aud": "https://login.salesforce.com",
		"exp": time.Now().Add(3 * time.Minute).Unix(),
	})
	signed, err := tok.SignedString(key)
	if err != nil {
		return nil, err
	}
	return http.PostForm("https://login.salesforce.com/services/oauth2/token", url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {signed},
	})
}
`},
		{neg: true, path: "integrations/jwt/sf_jwt.py", content: `from simple_salesforce import Salesforce

sf = Salesforce(
    username="jwt-user@globex.example",
    consumer_key="@@NK9@@",
    privatekey_file="jwt/server.key",
)
`},
		{neg: true, path: "mule/src/main/mule/sf-jwt.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<mule xmlns="http://www.mulesoft.org/schema/mule/core"
      xmlns:salesforce="http://www.mulesoft.org/schema/mule/salesforce">
  <salesforce:sfdc-config name="Salesforce_JWT">
    <salesforce:oauth-jwt-connection consumerKey="@@NK10@@" keyStore="keystore.jks"
        storePassword="${secure::keystore.password}" principal="mule-jwt@globex.example"/>
  </salesforce:sfdc-config>
</mule>
`},
		// Checksums, numbers, ids, other identity providers.
		{neg: true, path: "release/SHA256SUMS", content: `@@NHEX1@@  sf-bridge-2.3.0-linux-amd64.tar.gz
@@NHEX2@@  sf-bridge-2.3.0-darwin-arm64.tar.gz
`},
		{neg: true, path: "docker/sf-cli.Dockerfile", content: `# Salesforce CLI image for the sf-bridge deploy jobs
FROM node:20-bookworm-slim
ARG SF_CLI_VERSION=2.40.7
ARG SF_CLI_SHA256=@@NHEX3@@
RUN curl -fsSLo /tmp/sf.tar.xz "https://developer.salesforce.com/media/salesforce-cli/sf/versions/${SF_CLI_VERSION}/sf-linux-x64.tar.xz" \
 && echo "${SF_CLI_SHA256}  /tmp/sf.tar.xz" | sha256sum -c - \
 && tar -xJf /tmp/sf.tar.xz -C /usr/local
`},
		{neg: true, path: "deploy/artifacts.yml", content: `# Mule runtime artefacts pinned by checksum
artifacts:
  - name: mule-salesforce-connector
    version: 10.19.0
    url: https://repository.mulesoft.org/releases/com/mulesoft/connectors/mule-salesforce-connector/10.19.0/mule-salesforce-connector-10.19.0-mule-plugin.jar
    checksum: "@@NHEX4@@"
  - name: sf-secret-rotator
    version: 1.4.0
    sha256: @@NHEX5@@
`},
		{neg: true, path: "dist/sf-secret-rotator.sha256.txt", content: `SHA256 (sf-secret-rotator-1.4.0.tar.gz) = @@NHEX6@@
SHA256 (sf-secret-rotator-1.4.0.zip) = @@NHEX7@@
`},
		{neg: true, path: "tools/sf-tools.sum", content: `github.com/simpleforce/simpleforce v0.0.0-20230909040315-0a1a7c0b9c1d h1:3XfyWq6ZQ2aNmRfYbJm3Zl0oM4y2K8Qh8z0X5o1d2pE=
github.com/simpleforce/simpleforce v0.0.0-20230909040315-0a1a7c0b9c1d/go.mod h1:Vd0qX6lqQ4Z2FvN9XkF8l0ZzJ8e2Ykz5m8h6iW3n0bA=
sf-cli-v2.40.7-linux-x64.tar.xz SHA256=@@NHEX8@@
`},
		{neg: true, path: "package.json", content: `{
  "name": "globex-sf-portal",
  "version": "1.0.0",
  "dependencies": {
    "jsforce": "^3.4.0"
  },
  "sfBundle": {
    "resolved": "https://registry.npmjs.org/jsforce/-/jsforce-3.4.0.tgz",
    "integrity": "sha512-3CbyjGm4sZ7vbnX1VdBwYVZDo1h1qH9M6zQx6n8Gq1oVJmQ2bMXfYV0K5yq2kVJ3t6O0x4o7b9r2aP1k7u3n+w==",
    "sha256": "@@NHEX9@@"
  }
}
`},
		{neg: true, path: "billing/salesforce_orders.csv", content: `OrderNumber,AccountId,OwnerId,Amount,Currency
@@NNUM1@@,0015e00000AbCdEfAAA,0055e000001XyZaAAC,120.00,USD
@@NNUM2@@,0015e00000AbCdEgAAA,0055e000001XyZaAAC,89.90,EUR
`},
		{neg: true, path: "billing/sync_orders.py", content: `# Pushes ERP orders into Salesforce Orders
ORDER_ID = @@NNUM3@@
order_number = "@@NNUM4@@"
tracking_number = "@@NNUM5@@"
account_id = "0015e00000AbCdEfAAA"
`},
		{neg: true, path: "data/social/tweets.json", content: `[
  {"id": @@NNUM6@@, "id_str": "@@NNUM6@@", "text": "Dreamforce keynote: Salesforce Agentforce everywhere"},
  {"id": @@NNUM7@@, "id_str": "@@NNUM7@@", "text": "Migrating our sf_ integration off the password flow"}
]
`},
		{neg: true, path: "logs/otel-sf-bridge.log", content: `{"timeUnixNano":"@@NNUM8@@","severityText":"INFO","body":"salesforce token refreshed","attributes":{"sf.org_id":"00D5e000000GlbxEAC","sf.instance":"globex.my.salesforce.com"}}
{"timeUnixNano":"@@NNUM9@@","severityText":"INFO","body":"consumer secret rotated","attributes":{"sf.app":"Globex_ETL","duration_ns":@@NNUM10@@}}
`},
		{neg: true, path: "integrations/okta_sync.py", content: `"""Sync Okta groups into Salesforce permission sets."""
import requests

OKTA_TOKEN_URL = "https://globex.okta.com/oauth2/default/v1/token"
OKTA_CLIENT_ID = "0oa8f5j3ecb5w3Vtp5d7"
OKTA_CLIENT_SECRET = "@@NHEX10@@"


def okta_token():
    return requests.post(OKTA_TOKEN_URL, data={
        "grant_type": "client_credentials",
        "client_id": OKTA_CLIENT_ID,
        "client_secret": OKTA_CLIENT_SECRET,
        "scope": "okta.groups.read",
    }).json()
`},
		{neg: true, path: "integrations/entra.ts", content: `// Reads Entra ID users before pushing them to Salesforce.
const tenant = 'globex.onmicrosoft.com';

export async function graphToken(): Promise<string> {
  const res = await fetch(~BT~https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token~BT~, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: '6731de76-14a6-49ae-97bc-6eba6914391e',
      client_secret: '@@NHEX11@@',
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  return (await res.json()).access_token;
}
`},
		{neg: true, path: "integrations/auth0.js", content: `// Machine-to-machine token for the Auth0 Management API
const axios = require('axios');

module.exports = () => axios.post('https://globex.us.auth0.com/oauth/token', {
  grant_type: 'client_credentials',
  client_id: 'kP4bXf7Qz2LmN9sT1vW3yA6cE8gH0jR5',
  client_secret: '@@NHEX12@@',
  audience: 'https://globex.us.auth0.com/api/v2/',
});
`},
		{neg: true, path: "integrations/keycloak.sh", content: `#!/bin/sh
curl -s -X POST "https://sso.globex.example/realms/globex/protocol/openid-connect/token" \
  -d grant_type=client_credentials \
  -d client_id=sf-bridge \
  -d client_secret=@@NLOWER1@@
`},
		{neg: true, path: "integrations/google_sa.go", content: `package integrations

import "golang.org/x/oauth2/clientcredentials"

// Google Workspace directory reader (feeds the Salesforce user sync).
var googleCfg = clientcredentials.Config{
	ClientID:     "1234567890-abcdefghijklmnop.apps.googleusercontent.com",
	ClientSecret: "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",
	TokenURL:     "https://oauth2.googleapis.com/token",
}
`},
		{neg: true, path: "config/cache.yml", content: `salesforce:
  webhook:
    signing_secret_sha: @@NLOWER2@@
  session_cache_key: @@NLOWER1@@
  org_id: 00D5e000000GlbxEAC
  default_account: 0015e00000AbCdEfAAA
  request_id: 3f2b9c1e-8d4a-4b7e-9a6f-0c1d2e3f4a5b
`},
		{neg: true, path: "tests/fixtures/avatar.json", content: `{"name": "salesforce-avatar", "png": "@@NLONG@@"}
`},
		{neg: true, path: "tests/fixtures/connected_app.json", content: `{
  "label": "Example Connected App",
  "consumerKey": "3MVG9EXAMPLEPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxFkM_R5Kjp1vRt.1fjORS_6ilI",
  "consumerSecret": "<paste the consumer secret here>",
  "instanceUrl": "https://example.my.salesforce.com"
}
`},
		{neg: true, path: "docs/salesforce-client-credentials.md", content: `# Salesforce client credentials flow

The sync worker authenticates with the OAuth 2.0 client credentials flow. An admin enables
"Enable Client Credentials Flow" on the Globex ETL connected app and picks a run-as user.

Request a token from your My Domain (never login.salesforce.com):

~~~
curl -X POST https://MyDomainName.my.salesforce.com/services/oauth2/token \
  -d grant_type=client_credentials \
  -d client_id=<consumer_key> \
  -d client_secret=<consumer_secret>
~~~

The consumer key starts with 3MVG9 and the consumer secret is 64 hexadecimal characters. Keep
both in the vault; rotate the secret from Setup > App Manager if it ever leaks.
`},
		{neg: true, path: "docs/sfdx-auth-url.md", content: `# SFDX auth URLs

An auth URL looks like ~BT~force://PlatformCLI::<refresh_token>@<my-domain>.my.salesforce.com~BT~,
or ~BT~force://<clientId>:<clientSecret>:<refreshToken>@<instanceUrl>~BT~ for a custom connected app.
Store it as the SFDX_AUTH_URL repository secret and never commit it.

    -----BEGIN RSA PRIVATE KEY-----
    ...your JWT signing key...
    -----END RSA PRIVATE KEY-----
`},
		{neg: true, path: "deploy/nginx/tls.key", content: "@@NPEM@@\n"},
		{neg: true, path: "force-app/main/default/connectedApps/Globex_Portal.connectedApp-meta.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>portal@globex.example</contactEmail>
    <label>Globex Portal</label>
    <oauthConfig>
        <callbackUrl>https://portal.globex.example/oauth/callback</callbackUrl>
        <isAdminApproved>false</isAdminApproved>
        <isClientCredentialEnabled>false</isClientCredentialEnabled>
        <scopes>Api</scopes>
        <scopes>RefreshToken</scopes>
    </oauthConfig>
</ConnectedApp>
`},
		{neg: true, path: "logs/ci-2024-01-08.log", content: `2024-01-08T09:20:11Z Run sf org login sfdx-url --sfdx-url-stdin
2024-01-08T09:20:11Z   SF_CONSUMER_SECRET: ***
2024-01-08T09:20:12Z   SFDX_AUTH_URL: ***
2024-01-08T09:20:14Z Successfully authorized ci@globex.example with org ID 00D5e000000GlbxEAC
2024-01-08T09:20:15Z > Authorization: Bearer ***
`},
		{neg: true, path: "CHANGELOG.md", content: `# Changelog

## 2.3.0
- The Salesforce sync now uses the client credentials flow (~BT~grant_type=client_credentials~BT~
  against ~BT~/services/oauth2/token~BT~) instead of the username-password flow.
- Consumer secrets are read from the vault; see docs/salesforce-client-credentials.md.
`},
	}},
	{name: "B", date: "2024-02-12T10:00:00Z", message: "C#, Java, Laravel clients; log the token call", files: []c2File{
		// An edit above the secrets moves their lines: still introduced in A.
		{path: "web/src/lib/salesforceClient.ts", content: `import axios from 'axios';
import { logger } from './logger';

/**
 * Client for the Globex Salesforce org. Tokens are cached by the caller.
 */
export class SalesforceClient {
  private readonly tokenUrl = 'https://globex.my.salesforce.com/services/oauth2/token';
  private readonly consumerKey = '@@K14@@';
  private readonly consumerSecret = '@@S14@@';

  async accessToken(): Promise<string> {
    logger.debug('requesting Salesforce token');
    const params = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.consumerKey,
      client_secret: this.consumerSecret,
    });
    const res = await axios.post(this.tokenUrl, params);
    return res.data.access_token;
  }
}
`},
		{path: "src/Globex.Sync/appsettings.json", content: `{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "Salesforce": {
    "LoginUrl": "https://globex.my.salesforce.com",
    "ClientId": "@@K33@@",
    "ClientSecret": "@@S33@@",
    "ApiVersion": "v60.0"
  },
  "AllowedHosts": "*"
}
`, want: []c2Want{{rKey, "@@K33@@", ""}, {rSecret, "@@S33@@", ""}}},
		{path: "src/Globex.Sync/SalesforceTokenProvider.cs", content: `using System.Net.Http;

namespace Globex.Sync;

public sealed class SalesforceTokenProvider
{
    private const string TokenEndpoint = "https://globex.my.salesforce.com/services/oauth2/token";
    private const string ClientId = "@@K34@@";
    private const string ClientSecret = "@@S34@@";

    public async Task<string> GetTokenAsync(HttpClient http)
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
        });
        var res = await http.PostAsync(TokenEndpoint, form);
        res.EnsureSuccessStatusCode();
        return await res.Content.ReadAsStringAsync();
    }
}
`, want: []c2Want{{rKey, "@@K34@@", ""}, {rSecret, "@@S34@@", ""}, {rCC, `["grant_type"]`, "critical"}}},
		{path: "src/main/java/com/globex/sf/SalesforceProperties.java", content: `package com.globex.sf;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

@Component
public class SalesforceProperties {
    @Value("${salesforce.login-url:https://globex.my.salesforce.com}")
    private String loginUrl;

    @Value("${salesforce.client-id:@@K35@@}")
    private String clientId;

    @Value("${salesforce.client-secret:@@S35@@}")
    private String clientSecret;
}
`, want: []c2Want{{rKey, "@@K35@@", ""}, {rSecret, "@@S35@@", ""}}},
		{path: "src/main/java/com/globex/sf/TokenClient.java", content: `package com.globex.sf;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class TokenClient {
    private static final String TOKEN_URL = "https://globex.my.salesforce.com/services/oauth2/token";
    private static final String CLIENT_ID = "@@K36@@";
    private static final String CLIENT_SECRET = "@@L3@@";

    public String fetch() throws Exception {
        String body = "grant_type=client_credentials&client_id=" + CLIENT_ID + "&client_secret=" + CLIENT_SECRET;
        HttpRequest req = HttpRequest.newBuilder(URI.create(TOKEN_URL))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
    }
}
`, want: []c2Want{{rKey, "@@K36@@", ""}, {rSecret, "@@L3@@", ""}, {rCC, "String body = ", "critical"}}},
		{path: "src/main/java/com/globex/sf/WscSession.java", content: `package com.globex.sf;

import com.sforce.soap.partner.PartnerConnection;
import com.sforce.ws.ConnectorConfig;

public class WscSession {
    public static PartnerConnection open() throws Exception {
        ConnectorConfig config = new ConnectorConfig();
        config.setUsername("wsc@globex.example");
        config.setPassword("@@P4@@@@ST4@@");
        config.setAuthEndpoint("https://login.salesforce.com/services/Soap/u/60.0");
        return new PartnerConnection(config);
    }
}
`, want: []c2Want{{rPW, "config.setPassword(", ""}}},
		{path: "config/forrest.php", content: `<?php

return [
    'authentication' => env('SF_AUTH_METHOD', 'ClientCredentials'),

    'credentials' => [
        'consumerKey'    => env('SF_CONSUMER_KEY', '@@K45@@'),
        'consumerSecret' => env('SF_CONSUMER_SECRET', '@@S45@@'),
        'callbackURI'    => env('SF_CALLBACK_URI'),
        'loginURL'       => env('SF_LOGIN_URL', 'https://globex.my.salesforce.com'),
    ],
];
`, want: []c2Want{{rCC, "'authentication'", ""}, {rKey, "@@K45@@", ""}, {rSecret, "@@S45@@", ""}}},
	}},
	{name: "C", date: "2024-03-18T11:00:00Z", message: "drop debug log; move scripts; scrub .env.production",
		remove: []string{"logs/http-debug.log"},
		rename: [][2]string{{"scripts/sf_token.sh", "ops/bin/sf_token.sh"}},
		files: []c2File{
			{path: ".env.production", content: `NODE_ENV=production
VITE_SALESFORCE_INSTANCE_URL=https://globex.my.salesforce.com
VITE_SALESFORCE_CLIENT_ID=@@K38@@
SALESFORCE_CLIENT_SECRET=
`},
		}},
	{name: "F", branch: "feature/restforce", date: "2024-04-02T12:00:00Z", message: "wip: ruby and kotlin clients", files: []c2File{
		{path: "lib/globex/salesforce_client.rb", content: `require 'restforce'

module Globex
  class SalesforceClient
    def self.build
      Restforce.new(
        host: 'globex.my.salesforce.com',
        client_id: '@@K39@@',
        client_secret: '@@S39@@',
        username: 'ruby-sync@globex.example',
        password: '@@P6@@',
        security_token: '@@ST5@@',
        api_version: '60.0'
      )
    end
  end
end
`, want: []c2Want{{rKey, "@@K39@@", ""}, {rSecret, "@@S39@@", ""}, {rPW, "@@P6@@", ""}}},
		{path: "android/app/src/main/java/com/globex/sf/SfAuth.kt", content: `package com.globex.sf

import okhttp3.FormBody
import okhttp3.OkHttpClient
import okhttp3.Request

object SfAuth {
    private const val TOKEN_URL = "https://globex.my.salesforce.com/services/oauth2/token"
    private const val CONSUMER_KEY = "@@K40@@"
    private const val CONSUMER_SECRET = "@@S40@@"

    fun token(client: OkHttpClient): String? {
        val body = FormBody.Builder()
            .add("grant_type", "client_credentials")
            .add("client_id", CONSUMER_KEY)
            .add("client_secret", CONSUMER_SECRET)
            .build()
        val req = Request.Builder().url(TOKEN_URL).post(body).build()
        return client.newCall(req).execute().body?.string()
    }
}
`, want: []c2Want{{rKey, "@@K40@@", ""}, {rSecret, "@@S40@@", ""}, {rCC, `.add("grant_type"`, "critical"}}},
		{path: "internal/sfauth/config.go", content: `package sfauth

import "golang.org/x/oauth2/clientcredentials"

// Config authenticates the sync as the Connected App's run-as user.
var Config = &clientcredentials.Config{
	ClientID:     "@@K41@@",
	ClientSecret: "@@S41@@",
	TokenURL:     "https://globex.my.salesforce.com/services/oauth2/token",
	Scopes:       []string{"api"},
}
`, want: []c2Want{{rCC, "clientcredentials.Config{", "critical"}, {rKey, "@@K41@@", ""}, {rSecret, "@@S41@@", ""}}},
	}},
	{name: "D", branch: "main", date: "2024-05-06T08:30:00Z", message: "compose literals, basic auth scripts, runbooks", files: []c2File{
		// A secret added to a file that existed since A: introduced by D.
		{path: "docker-compose.yml", content: `version: "3.9"
services:
  sf-sync:
    image: globex/sf-sync:1.5.0
    environment:
      - SF_INSTANCE_URL=https://globex.my.salesforce.com
      - SF_CONSUMER_KEY=@@K5@@
      - SF_CONSUMER_SECRET=@@S5@@
  redis:
    image: redis:7
`, want: []c2Want{{rKey, "@@K5@@", ""}, {rSecret, "@@S5@@", ""}}},
		{path: "scripts/basic_header.js", content: `const axios = require('axios');

const SF_TOKEN_URL = 'https://globex.my.salesforce.com/services/oauth2/token';
const basicAuth = 'Basic @@B64A@@';

async function getToken() {
  const res = await axios.post(SF_TOKEN_URL, 'grant_type=client_credentials', {
    headers: { Authorization: basicAuth, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  return res.data.access_token;
}

module.exports = { getToken };
`, want: []c2Want{{rSecret, "@@B64A@@", ""}, {rCC, "'grant_type=client_credentials'", "critical"}}},
		{path: "scripts/curl_basic.sh", content: `#!/bin/sh
curl -s https://globex.my.salesforce.com/services/oauth2/token \
  -H "Authorization: Basic @@B64B@@" \
  -H "Content-Type: application/x-www-form-urlencoded" \
  -d "grant_type=client_credentials"
`, want: []c2Want{{rSecret, "@@B64B@@", ""}, {rCC, `-d "grant_type=client_credentials"`, "critical"}}},
		{path: "docs/runbooks/sf-org-display.txt", content: `$ sf org display --target-org prod --verbose
=== Org Description

 KEY              VALUE
 ──────────────── ──────────────────────────────────
 Access Token     @@T6@@
 Alias            prod
 Api Version      60.0
 Client Id        PlatformCLI
 Connected Status Connected
 Id               00D5e000000GlbxEAC
 Instance Url     https://globex.my.salesforce.com
 Sfdx Auth Url    @@SFDX3@@
 Username         admin@globex.example
`, want: []c2Want{{rAT, "@@T6@@", ""}, {rSFDX, "@@SFDX3@@", ""}}},
		{path: "integrations/tokens/refresh.json", content: `{
  "instance_url": "https://globex.my.salesforce.com",
  "refresh_token": "@@R4@@",
  "issued_at": "1714982400000"
}
`, want: []c2Want{{rRT, "@@R4@@", ""}}},
		{path: "server/ccEnv.js", content: `async function token() {
  const res = await fetch(~BT~${process.env.SF_INSTANCE_URL}/services/oauth2/token~BT~, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: process.env.SF_CLIENT_ID,
      client_secret: process.env.SF_CLIENT_SECRET,
    }),
  });
  return (await res.json()).access_token;
}

module.exports = { token };
`, want: []c2Want{{rCC, "grant_type: 'client_credentials'", "!critical"}}},
		{path: "integrations/crm/cc_env.py", content: `import os

import requests

INSTANCE = "https://globex.my.salesforce.com"


def token():
    return requests.post(f"{INSTANCE}/services/oauth2/token", data={
        "grant_type": "client_credentials",
        "client_id": os.environ["SF_CLIENT_ID"],
        "client_secret": os.environ["SF_CLIENT_SECRET"],
    }).json()["access_token"]
`, want: []c2Want{{rCC, `"grant_type": "client_credentials"`, "!critical"}}},
		{path: "mule/src/main/mule/sf-cc.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<mule xmlns="http://www.mulesoft.org/schema/mule/core"
      xmlns:salesforce="http://www.mulesoft.org/schema/mule/salesforce">
  <salesforce:sfdc-config name="Salesforce_CC">
    <salesforce:oauth-client-credentials-connection>
      <salesforce:oauth-client-credentials clientId="${salesforce.clientId}"
          clientSecret="${secure::salesforce.clientSecret}"
          tokenUrl="https://globex.my.salesforce.com/services/oauth2/token"/>
    </salesforce:oauth-client-credentials-connection>
  </salesforce:sfdc-config>
</mule>
`, want: []c2Want{{rCC, "<salesforce:oauth-client-credentials-connection>", "!critical"}}},
		{path: "logs/worker-2024-05-06.log", content: `{"ts":"2024-05-06T08:31:00Z","level":"debug","msg":"sf request","headers":{"Authorization":"Bearer @@T7@@"},"url":"https://globex.my.salesforce.com/services/data/v60.0/limits"}
`, want: []c2Want{{rAT, "@@T7@@", ""}}},
	}},
	{name: "E", date: "2024-06-10T14:00:00Z", message: "typed settings, REST client files, pipelines", files: []c2File{
		{path: "src/main/kotlin/com/globex/sf/SalesforceConfig.kt", content: `package com.globex.sf

data class SalesforceConfig(
    val instanceUrl: String = "https://globex.my.salesforce.com",
    val clientId: String = "@@K46@@",
    val clientSecret: String = "@@S46@@",
)
`, want: []c2Want{{rKey, "@@K46@@", ""}, {rSecret, "@@S46@@", ""}}},
		{path: "integrations/crm/settings_model.py", content: `from pydantic_settings import BaseSettings


class SalesforceSettings(BaseSettings):
    sf_instance_url: str = "https://globex.my.salesforce.com"
    sf_client_id: str = "@@K47@@"
    sf_client_secret: str = "@@S47@@"
`, want: []c2Want{{rKey, "@@K47@@", ""}, {rSecret, "@@S47@@", ""}}},
		{path: "web/src/lib/sfConstants.ts", content: `export const SF_LOGIN_URL = 'https://globex.my.salesforce.com';
export const consumerKey: string = '@@K48@@';
export const consumerSecret: string = '@@S48@@';
`, want: []c2Want{{rKey, "@@K48@@", ""}, {rSecret, "@@S48@@", ""}}},
		{path: "integrations/crm/generic_names.py", content: `import requests

KEY = "@@K49@@"
SECRET = "@@S49@@"
URL = "https://globex.my.salesforce.com/services/oauth2/token"

token = requests.post(URL, data={"grant_type": "client_credentials", "client_id": KEY, "client_secret": SECRET}).json()
`, want: []c2Want{{rKey, "@@K49@@", ""}, {rSecret, "@@S49@@", ""}, {rCC, `"grant_type": "client_credentials"`, "critical"}}},
		{path: "api/salesforce.http", content: `### Token (client credentials)
POST https://globex.my.salesforce.com/services/oauth2/token
Content-Type: application/x-www-form-urlencoded

grant_type=client_credentials&client_id=@@K50@@&client_secret=@@S50@@

### Accounts
GET https://globex.my.salesforce.com/services/data/v60.0/query?q=SELECT+Id+FROM+Account
Authorization: Bearer @@T8@@
`, want: []c2Want{{rCC, "grant_type=client_credentials&", "critical"}, {rKey, "client_id=@@K50@@", ""}, {rSecret, "client_id=@@K50@@", ""}, {rAT, "@@T8@@", ""}}},
		{path: "azure-pipelines.yml", content: `trigger:
  - main
variables:
  - name: SF_INSTANCE_URL
    value: https://globex.my.salesforce.com
  - name: SF_CLIENT_ID
    value: @@K51@@
  - name: SF_CLIENT_SECRET
    value: @@S51@@
steps:
  - script: python -m sync.push
`, want: []c2Want{{rKey, "@@K51@@", ""}, {rSecret, "@@S51@@", ""}}},
		{path: "src/main/resources/salesforce-context.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<beans xmlns="http://www.springframework.org/schema/beans">
  <bean id="salesforceClient" class="com.globex.sf.SalesforceClient">
    <property name="loginUrl" value="https://globex.my.salesforce.com"/>
    <property name="clientId" value="@@K52@@"/>
    <property name="clientSecret" value="@@S52@@"/>
  </bean>
</beans>
`, want: []c2Want{{rKey, "@@K52@@", ""}, {rSecret, "@@S52@@", ""}}},
		{path: "scripts/query_accounts.sh", content: `#!/bin/sh
# quick check against prod, token pasted from the org display
curl -s "https://globex.my.salesforce.com/services/data/v60.0/query?q=SELECT+Id+FROM+Account" \
  -H "Authorization: Bearer @@T9@@"
`, want: []c2Want{{rAT, "@@T9@@", ""}}},
		{path: "ops/.env.ci", content: `SF_ORG_INSTANCE_URL=https://globex.my.salesforce.com
SF_ACCESS_TOKEN=@@T10@@
SFDX_AUTH_URL=@@SFDX4@@
`, want: []c2Want{{rAT, "@@T10@@", ""}, {rSFDX, "@@SFDX4@@", ""}}},
		{path: "integrations/crm/refresh_flow.py", content: `import requests

REFRESH_TOKEN = "@@R5@@"


def access_token(client_id):
    return requests.post("https://globex.my.salesforce.com/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN, "client_id": client_id,
    }).json()["access_token"]
`, want: []c2Want{{rRT, "@@R5@@", ""}}},
		// ---- more hard negatives ----
		{neg: true, path: "force-app-tools/package.json", content: `{
  "name": "globex-force-app",
  "scripts": {
    "auth:ci": "sfdx force:auth:jwt:grant --clientid @@NK11@@ --jwtkeyfile assets/server.key --username ci@globex.example --setdefaultusername",
    "deploy": "sf project deploy start"
  }
}
`},
		{neg: true, path: ".sfdx/sfdx-config.json", content: `{"defaultusername": "ci@globex.example", "instanceUrl": "https://globex.my.salesforce.com"}
`},
		{neg: true, path: "src/main/resources/application-prod.yml", content: `salesforce:
  login-url: https://globex.my.salesforce.com
  client-id: ${SF_CLIENT_ID:}
  client-secret: ${SF_CLIENT_SECRET:}
  password: ${SF_PASSWORD:changeme}
`},
		{neg: true, path: "integrations/defaults.py", content: `import os

# Salesforce app credentials; defaults are for the local mock only.
SF_CLIENT_ID = os.getenv("SF_CLIENT_ID", "YOUR_CLIENT_ID")
SF_CLIENT_SECRET = os.getenv("SF_CLIENT_SECRET", "changeme")
`},
		{neg: true, path: "integrations/hubspot_bridge.py", content: `"""Copies HubSpot deals to Salesforce opportunities."""
import requests

HUBSPOT_CLIENT_ID = "9b1f6c2e-4d3a-4f8e-a1b2-7c6d5e4f3a21"
HUBSPOT_CLIENT_SECRET = "3e8f9a1b-2c4d-4e6f-8a0b-1c2d3e4f5a6b"
token = requests.post("https://api.hubapi.com/oauth/v1/token", data={
    "grant_type": "client_credentials", "client_id": HUBSPOT_CLIENT_ID, "client_secret": HUBSPOT_CLIENT_SECRET,
}).json()
`},
	}},
	{name: "G", date: "2024-07-01T16:45:00Z", message: "rust and node clients, JWT deploys, more fixtures", files: []c2File{
		{path: "crates/sf-sync/src/auth.rs", content: `use reqwest::blocking::Client;

const TOKEN_URL: &str = "https://globex.my.salesforce.com/services/oauth2/token";
const CLIENT_ID: &str = "@@K53@@";
const CLIENT_SECRET: &'static str = "@@S53@@";

pub fn token(client: &Client) -> reqwest::Result<String> {
    let params = [("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    client.post(TOKEN_URL).form(&params).send()?.text()
}
`, want: []c2Want{{rKey, "@@K53@@", ""}, {rSecret, "@@S53@@", ""}, {rCC, `("grant_type", "client_credentials")`, "critical"}}},
		{path: "server/nforceConn.js", content: `const nforce = require('nforce');

const org = nforce.createConnection({
  clientId: '@@K54@@',
  clientSecret: '@@L4@@',
  redirectUri: 'https://portal.globex.example/oauth/_callback',
  environment: 'production',
  mode: 'single',
});

module.exports = org;
`, want: []c2Want{{rKey, "@@K54@@", ""}, {rSecret, "@@L4@@", ""}}},
		{path: "integrations/crm/sf_password.py", content: `from simple_salesforce import Salesforce

sf = Salesforce(
    username="reporting@globex.example",
    password="@@P7@@",
    security_token="@@ST7@@",
    consumer_key="@@K55@@",
    consumer_secret="@@S55@@",
)
`, want: []c2Want{{rPW, "@@P7@@", ""}, {rKey, "@@K55@@", ""}, {rSecret, "@@S55@@", ""}}, deny: []string{rCC}},
		{path: ".github/workflows/jwt-deploy.yml", content: `name: jwt-deploy
on: workflow_dispatch
env:
  SF_JWT_KEY: |
    @@PEMIND@@
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "$SF_JWT_KEY" > server.key
          sf org login jwt --client-id @@K56@@ --jwt-key-file server.key --username ci@globex.example
`, want: []c2Want{{rPEM, "@@PEMIND@@", ""}}, deny: []string{rKey, rSecret}},
		{path: "postman/Salesforce Platform APIs.postman_environment.json", content: `{
  "name": "Globex sandbox",
  "values": [
    {"key": "url", "value": "https://globex--uat.sandbox.my.salesforce.com", "enabled": true},
    {"key": "username", "value": "postman@globex.example.uat", "enabled": true},
    {"key": "password", "value": "@@P8@@", "enabled": true},
    {"key": "secret_token", "value": "@@ST8@@", "enabled": true},
    {"key": "clientId", "value": "@@K57@@", "enabled": true},
    {"key": "clientSecret", "value": "@@S57@@", "enabled": true}
  ]
}
`, want: []c2Want{{rPW, "@@P8@@", ""}, {rKey, "@@K57@@", ""}, {rSecret, "@@S57@@", ""}}},
		{path: "mule/src/main/resources/config/legacy.properties", content: `salesforce.username=mule-legacy@globex.example
salesforce.password=@@P6@@
salesforce.securityToken=@@ST6@@
salesforce.consumerKey=@@K58@@
salesforce.consumerSecret=@@S58@@
salesforce.url=https://login.salesforce.com/services/Soap/u/60.0
`, want: []c2Want{{rPW, "@@P6@@", ""}, {rKey, "@@K58@@", ""}, {rSecret, "@@S58@@", ""}}},
		{path: "notebooks/cc_simple.ipynb", content: `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": null,
   "metadata": {},
   "outputs": [],
   "source": [
    "from simple_salesforce import Salesforce\n",
    "sf = Salesforce(consumer_key=\"@@K59@@\", consumer_secret=\"@@S59@@\", domain=\"globex.my\")\n",
    "sf.query_all(\"SELECT Id FROM Contact\")"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
`, want: []c2Want{{rCC, `"sf = Salesforce(`, "critical"}, {rKey, "@@K59@@", ""}, {rSecret, "@@S59@@", ""}}},
		{path: "integrations/legacy/format_body.py", content: `import requests

SF_HOST = "https://globex.my.salesforce.com"
APP_KEY = "@@K60@@"
APP_SEC = "@@S60@@"


def token():
    body = "grant_type=client_credentials&client_id=%s&client_secret=%s" % (APP_KEY, APP_SEC)
    return requests.post(SF_HOST + "/services/oauth2/token", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
`, want: []c2Want{{rKey, "@@K60@@", ""}, {rSecret, "@@S60@@", ""}, {rCC, "body = ", "critical"}}},
		{path: "logs/okhttp-2024-07-01.log", content: `07-01 16:44:02.118 D/OkHttp: --> POST https://globex.my.salesforce.com/services/oauth2/token
07-01 16:44:02.119 D/OkHttp: Content-Type: application/x-www-form-urlencoded
07-01 16:44:02.119 D/OkHttp: grant_type%3Dclient_credentials%26client_id%3D@@K44@@%26client_secret%3D@@S44@@
07-01 16:44:02.410 D/OkHttp: <-- 200 OK (291ms)
`, want: []c2Want{{rCC, "grant_type%3D", "critical"}, {rSecret, "grant_type%3D", ""}, {rKey, "grant_type%3D", ""}}},
		{path: "scripts/bootstrap-secrets.sh", content: `#!/usr/bin/env bash
# One-off: copy the Salesforce ETL app credentials into the repo's Actions secrets.
set -euo pipefail
gh secret set SF_CLIENT_ID --repo globex/sf-sync --body "@@K43@@"
gh secret set SF_CLIENT_SECRET --repo globex/sf-sync --body "@@S43@@"
aws ssm put-parameter --name /sf/etl/client_secret --type SecureString --overwrite --value "@@L3@@"
`, want: []c2Want{{rKey, "@@K43@@", ""}, {rSecret, "@@S43@@", ""}, {rSecret, "@@L3@@", ""}}},
		{path: "internal/sfauth/legacy.go", content: `package sfauth

// Salesforce credentials of the legacy importer (to be moved to the vault).
var (
	legacyClientID     string = "@@K42@@"
	legacyClientSecret string = "@@S42@@"
)
`, want: []c2Want{{rKey, "@@K42@@", ""}, {rSecret, "@@S42@@", ""}}},
		{path: "integrations/crm/oauthlib_client.py", content: `from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

SF_TOKEN_URL = "https://globex.my.salesforce.com/services/oauth2/token"
SF_CLIENT_ID = "@@K41@@"
SF_CLIENT_SECRET = "@@S41@@"

client = BackendApplicationClient(client_id=SF_CLIENT_ID)
session = OAuth2Session(client=client)
token = session.fetch_token(token_url=SF_TOKEN_URL, client_id=SF_CLIENT_ID, client_secret=SF_CLIENT_SECRET)
`, want: []c2Want{{rKey, "@@K41@@", ""}, {rSecret, "@@S41@@", ""}, {rCC, "client = BackendApplicationClient(", "critical"}}},
		{path: "src/Globex.Sync/IdentityModelToken.cs", content: `using IdentityModel.Client;

namespace Globex.Sync;

public static class IdentityModelToken
{
    public static Task<TokenResponse> Get(HttpClient http) =>
        http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "https://globex.my.salesforce.com/services/oauth2/token",
            ClientId = "@@K40@@",
            ClientSecret = "@@S40@@",
        });
}
`, want: []c2Want{{rKey, "@@K40@@", ""}, {rSecret, "@@S40@@", ""}, {rCC, "RequestClientCredentialsTokenAsync", "critical"}}},
		// ---- more hard negatives ----
		{neg: true, path: "config/secret-rotation.yml", content: `# Salesforce ETL app: rotation bookkeeping only (the secret itself lives in Vault)
salesforce:
  instance_url: https://globex.my.salesforce.com
  client_secret_version: @@NNUM12@@
  client_secret_updated_ns: @@NNUM1@@
  consumerSecretId: @@NNUM2@@
  client_secret_sha: @@NHEX3@@
`},
		{neg: true, path: "integrations/jwt/bearer_docstring.py", content: `"""Salesforce JWT bearer flow.

Unlike the client credentials flow, no client_secret is needed: the connected app holds our
certificate and we sign the assertion with the matching private key.
"""
import time

import jwt
import requests

CONSUMER_KEY = "@@NK3@@"


def token(pem, user):
    claims = {"iss": CONSUMER_KEY, "sub": user, "aud": "https://login.salesforce.com", "exp": int(time.time()) + 180}
    return requests.post("https://login.salesforce.com/services/oauth2/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": jwt.encode(claims, pem, algorithm="RS256"),
    }).json()
`},
		{neg: true, path: "src/Globex.Sync/JwtTokenFactory.cs", content: `using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Globex.Sync;

// Signs the Salesforce JWT bearer assertion; the consumer secret is never used.
public static class JwtTokenFactory
{
    public static string Create(RsaSecurityKey key, string user) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "@@NK4@@",
            Audience = "https://login.salesforce.com",
            Claims = new Dictionary<string, object> { ["sub"] = user },
            Expires = DateTime.UtcNow.AddMinutes(3),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
}
`},
		{neg: true, path: "force-app/main/default/classes/JwtLogin.cls", content: `public with sharing class JwtLogin {
    public static String token() {
        Auth.JWT jwt = new Auth.JWT();
        jwt.setSub('apex-jwt@globex.example');
        jwt.setAud('https://login.salesforce.com');
        jwt.setIss('@@NK12@@');
        Auth.JWS jws = new Auth.JWS(jwt, 'Globex_JWT_Cert');
        Auth.JWTBearerTokenExchange bearer = new Auth.JWTBearerTokenExchange('https://login.salesforce.com/services/oauth2/token', jws);
        return bearer.getAccessToken();
    }
}
`},
		{neg: true, path: "app/Services/SalesforceJwt.php", content: `<?php

namespace App\Services;

use Firebase\JWT\JWT;

class SalesforceJwt
{
    public function assertion(string $privateKey): string
    {
        return JWT::encode([
            'iss' => '@@NK1@@',
            'sub' => 'laravel@globex.example',
            'aud' => 'https://login.salesforce.com',
            'exp' => time() + 180,
        ], $privateKey, 'RS256');
    }
}
`},
		{neg: true, path: "lib/globex/jwt_login.rb", content: `require 'jwt'
require 'net/http'

module Globex
  CONSUMER_KEY = '@@NK2@@'.freeze

  def self.jwt_token(private_key)
    payload = { iss: CONSUMER_KEY, sub: 'ruby-jwt@globex.example', aud: 'https://login.salesforce.com', exp: Time.now.to_i + 180 }
    assertion = JWT.encode(payload, private_key, 'RS256')
    Net::HTTP.post_form(URI('https://login.salesforce.com/services/oauth2/token'),
                        'grant_type' => 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'assertion' => assertion)
  end
end
`},
		{neg: true, path: "integrations/interactive_login.py", content: `import getpass
import os

from simple_salesforce import Salesforce

sf = Salesforce(username=input("Salesforce user: "), password=getpass.getpass(),
                security_token=os.environ["SF_SECURITY_TOKEN"])
`},
		{neg: true, path: "server/loginEnv.js", content: `const jsforce = require('jsforce');

const conn = new jsforce.Connection({ loginUrl: process.env.SF_LOGIN_URL });
conn.login(process.env.SF_USERNAME, process.env.SF_PASSWORD + process.env.SF_SECURITY_TOKEN);
`},
		{neg: true, path: "config/integrations.env", content: `SF_INSTANCE_URL=https://globex.my.salesforce.com
SF_CLIENT_SECRET=
OKTA_ISSUER=https://globex.okta.com/oauth2/default
OKTA_CLIENT_SECRET=@@NHEX1@@
`},
		{neg: true, path: "config/platform-events.yml", content: `salesforce:
  instance_url: https://globex.my.salesforce.com
  platform_events:
    webhook_secret: @@NHEX2@@
    replay_id: @@NNUM11@@
`},
		{neg: true, path: "docs/token-response.md", content: `# What the token endpoint returns

    {"access_token":"00DS7000000oxzo!AR8AQ…","signature":"nUFH…=","token_format":"opaque",
     "instance_url":"https://globex.my.salesforce.com","token_type":"Bearer","issued_at":"1714982400000"}

No refresh token is returned for the client credentials flow.
`},
		{neg: true, path: "helm/sf-bridge/Chart.lock", content: `dependencies:
- name: redis
  repository: https://charts.bitnami.com/bitnami
  version: 18.6.1
digest: sha256:@@NLOWER2@@
generated: "2024-07-01T16:40:00Z"
`},
	}},
}

// c2Expected is one planted location with its provenance.
type c2Expected struct {
	rule, path string
	line       int
	commit     string
	inHead     bool
	sev        string
	lineText   string
}

// buildCorpus2 creates the repository and returns its path, the expected findings, the
// negative paths and the values.
func buildCorpus2(t *testing.T) (string, []c2Expected, map[string]bool, map[string][]string, map[string]string) {
	t.Helper()
	v := c2Values()
	dir := t.TempDir()
	gitRun(t, dir, "2024-01-01T00:00:00Z", "init", "-q", "-b", "main")
	commits := map[string]string{}
	type planted struct {
		c2Expected
		step string
	}
	var all []planted
	neg := map[string]bool{}
	deny := map[string][]string{}
	for _, st := range c2Steps {
		if st.branch != "" {
			gitCheckout(t, dir, st.date, st.branch)
		}
		for _, f := range st.files {
			content := c2Fill(f.content, v)
			full := filepath.Join(dir, filepath.FromSlash(f.path))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if f.neg {
				neg[f.path] = true
			}
			deny[f.path] = append(deny[f.path], f.deny...)
			tmplLines := strings.Split(f.content, "\n")
			for _, w := range f.want {
				n := lineOf(f.content, w.line)
				if n == 0 {
					t.Fatalf("corpus2 %s: no line holds %q", f.path, w.line)
				}
				text, _, _ := strings.Cut(strings.TrimSpace(c2Fill(tmplLines[n-1], v)), "\n")
				all = append(all, planted{c2Expected{rule: w.rule, path: f.path, line: n, sev: w.sev, lineText: text}, st.name})
			}
		}
		for _, p := range st.remove {
			gitRun(t, dir, st.date, "rm", "-q", p)
		}
		for _, r := range st.rename {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(r[1])), 0o755); err != nil {
				t.Fatal(err)
			}
			gitRun(t, dir, st.date, "mv", r[0], r[1])
			for _, p := range all {
				if p.path == r[0] {
					moved := p
					moved.path, moved.step = r[1], st.name
					all = append(all, moved)
				}
			}
		}
		gitRun(t, dir, st.date, "add", "-A")
		gitRun(t, dir, st.date, "commit", "-q", "-m", st.message)
		commits[st.name] = gitRun(t, dir, st.date, "rev-parse", "HEAD")
	}
	gitRun(t, dir, "2024-05-06T09:00:00Z", "tag", "v2.0.0")
	// HEAD is main and the work tree is its checkout: a location is in HEAD when main's
	// version of the file still holds the line.
	var exp []c2Expected
	for _, p := range all {
		e := p.c2Expected
		e.commit = commits[p.step]
		if head, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.path))); err == nil {
			for _, l := range strings.Split(string(head), "\n") {
				if strings.TrimSpace(l) == e.lineText {
					e.inHead = true
				}
			}
		}
		exp = append(exp, e)
	}
	return dir, exp, neg, deny, v
}

// c2Secrets returns the values that must never appear in default output: every planted
// secret, token, password, auth URL, Basic token, PEM body line, and full consumer key.
func c2Secrets(v map[string]string) map[string]string {
	out := map[string]string{}
	for name, val := range v {
		if strings.HasPrefix(name, "N") {
			continue
		}
		if strings.HasPrefix(name, "PEM") {
			for i, l := range strings.Split(val, "\n") {
				if len(strings.TrimSpace(l)) >= 40 && !strings.HasPrefix(strings.TrimSpace(l), "-----") {
					out[fmt.Sprint(name, " line ", i+1)] = strings.TrimSpace(l)
				}
			}
			continue
		}
		out[name] = val
	}
	for i := 1; i <= 8; i++ {
		s := fmt.Sprint(i)
		out["P"+s+"+ST"+s] = v["P"+s] + v["ST"+s]
	}
	return out
}

func TestCorpus2FindsPlantedItemsAcrossEcosystemsAndNoHardNegative(t *testing.T) {
	dir, exp, neg, deny, v := buildCorpus2(t)
	if len(exp) < 60 || len(neg) < 30 {
		t.Fatalf("corpus2 too small: %d planted locations, %d negative files", len(exp), len(neg))
	}
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, "scan", "--format", "json", "--output", out, dir)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFindings, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	for _, e := range r.Errors {
		t.Errorf("scan error: %s: %s", e.Source, e.Message)
	}

	type key struct{ rule, path string }
	got := map[key][]int{}
	for i, f := range r.Findings {
		got[key{f.RuleID, f.Path}] = append(got[key{f.RuleID, f.Path}], i)
	}
	matched := map[int]bool{}
	misses := 0
	for _, e := range exp {
		hit := -1
		var lines []int
		for _, i := range got[key{e.rule, e.path}] {
			lines = append(lines, r.Findings[i].Line)
			if r.Findings[i].Line == e.line {
				hit = i
			}
		}
		if hit < 0 {
			misses++
			t.Errorf("MISS %s at %s:%d (same rule found at lines %v)", e.rule, e.path, e.line, lines)
			continue
		}
		matched[hit] = true
		f := r.Findings[hit]
		if f.Commit != e.commit {
			t.Errorf("%s at %s:%d: commit %.8s, want %.8s", e.rule, e.path, e.line, f.Commit, e.commit)
		}
		if f.InHead != e.inHead {
			t.Errorf("%s at %s:%d: in_head %v, want %v", e.rule, e.path, e.line, f.InHead, e.inHead)
		}
		switch {
		case e.sev == "critical" && f.Severity != "critical":
			t.Errorf("%s at %s:%d: severity %s, want critical (literal secret)", e.rule, e.path, e.line, f.Severity)
		case e.sev == "!critical" && f.Severity == "critical":
			t.Errorf("%s at %s:%d: severity critical, want lower (secret from the environment)", e.rule, e.path, e.line)
		}
		if f.Author != "Dana Dev" || f.Date == "" {
			t.Errorf("%s at %s:%d: provenance %q %q", e.rule, e.path, e.line, f.Author, f.Date)
		}
	}
	fps := 0
	for _, f := range r.Findings {
		if neg[f.Path] {
			fps++
			t.Errorf("FALSE POSITIVE on a hard negative: %s at %s:%d (%s)", f.RuleID, f.Path, f.Line, f.Description)
		}
	}
	for _, f := range r.Findings {
		for _, d := range deny[f.Path] {
			if f.RuleID == d {
				fps++
				t.Errorf("FALSE POSITIVE: %s must not fire in %s (line %d: %s)", f.RuleID, f.Path, f.Line, f.Description)
			}
		}
	}
	var extra []string
	for i, f := range r.Findings {
		if !matched[i] && !neg[f.Path] {
			extra = append(extra, fmt.Sprintf("%s %s:%d", f.RuleID, f.Path, f.Line))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Logf("findings beyond the planted items (not failures): %v", extra)
	}
	t.Logf("corpus2: %d planted locations, %d negative files, %d findings; %d misses, %d false positives",
		len(exp), len(neg), len(r.Findings), misses, fps)

	// No raw value in any output format.
	secrets := c2Secrets(v)
	for _, format := range []string{"json", "text", "sarif", "markdown", "html"} {
		code, stdout, stderr := runCLI(t, "scan", "--format", format, dir)
		if code != exitFindings {
			t.Errorf("%s: exit %d; stderr: %s", format, code, stderr)
		}
		for name, raw := range secrets {
			if strings.Contains(stdout, raw) || strings.Contains(stderr, raw) {
				t.Errorf("%s output holds raw %s", format, name)
			}
		}
	}
}
