"""Productivity, CRM and collaboration APIs.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'linear-api-key', 'Linear API key',
        r'\b(lin_api_[A-Za-z0-9]{40})\b',
        ('lin_api_',),
        true=('lin_api_q0S0D5oza8G2ZvqS' 'BBiRTZ5AXfMt6oZBCngRsJQG',),
        false=('lin_api_Pr' 'HyqM74TUDz',),
    ),
    token(
        'linear-oauth-token', 'Linear OAuth token',
        r'\b(lin_oauth_[a-f0-9]{64})\b',
        ('lin_oauth_',),
        true=('lin_oauth_2646a77a102acecea8d7908f33a' 'a6717e4700581ad186fb406de7088f3038107',),
        false=('lin_oauth_0' '6c2848f03e2',),
    ),
    token(
        'asana-pat', 'Asana personal access token',
        r'\b([0-9]/[0-9]{16,}(?:/[0-9]{16,})?:[A-Za-z0-9]{32})\b',
        ('asana',),
        true=(
            'ASANA_TOKEN="2/1740358245227381/773775621'
            '0133689:f2a66f7b2b5e2f651b2658d1303daca7"',
        ),
        false=('ASANA_TOKEN="2/13164396:d95e' '746221fea336c6221d1828b73ee5"',),
    ),
    token(
        'clickup-token', 'ClickUp personal API token',
        r'\b(pk_[0-9]{6,10}_[A-Z0-9]{32})\b',
        ('pk_',),
        true=('pk_73406923_FKJ0L2T7R6' '79SNPHXBITPACRHO1VJNBZ',),
        false=('pk_07973955' '_Z0861O2STK',),
    ),
    token(
        'notion-token', 'Notion integration token',
        r'\b((?:secret_[A-Za-z0-9]{43})|(?:ntn_[0-9]{11}[A-Za-z0-9]{35}))\b',
        ('secret_', 'ntn_'),
        true=('ntn_03298476954V9RGkSbZC8' 'NhgB0Niwz3drot6hHAEdXj5uT',),
        false=('ntn_14501515' '588AprPJConYT',),
    ),
    token(
        'airtable-pat', 'Airtable personal access token',
        r'\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b',
        (),
        true=(
            'patHtnnzV4QoLzh94.c533a217f8ecb7f2cd1b3c4'
            '646404b72375712e288b79c6a7f507edb37ee41cb',
        ),
        false=('patVTar5ZF5k1nll3.0' '17b4ee5a635e4f2d46f',),
    ),
    keyed(
        'airtable-api-key', 'Airtable API key (legacy)',
        ('airtable',), r'key[A-Za-z0-9]{14}',
        true=(
            'AIRTABLE_API_KEY = ' '"keyb5okJqZdW2kGFW"',
            'airtable_token: ' 'keyGSymb6UKRlxppD',
        ),
        false=('request_id = "ke' 'yZukeWUUgyeZgt2"', 'airtable_key ' '= "keyUbleNEJ"',),
    ),
    token(
        'figma-pat', 'Figma personal access token',
        r'\b(figd_[A-Za-z0-9_\-]{40})\b',
        ('figd_',),
        true=('figd_rpJQzk-eaOZB-dA6F' '5yjR0A-MPKnPHCv6loNYNZk',),
        false=('figd_857' '0uDeXxUEV',),
    ),
    keyed(
        'trello-token', 'Trello API token',
        ('trello',), r'(?:ATTA)?[a-f0-9]{64}|[a-f0-9]{32}',
        true=(
            'TRELLO_API_KEY = "ATTA2757c4ab403f10fb8205f'
            '6e43d085886fbd3b15eb166d10ad0272d701dfced00"',
            'trello_token: ATTAfe42823278ddc3c8efb3cb2'
            '0b100fe05f5720d1a3ff0823267fa2ad72bbfac68',
        ),
        false=(
            'request_id = "ATTAf21a4826182e7e6c0652536'
            'f308825b526ee27c472a09b967f9879d49197ac7e"',
            'trello_key = "ATTAae9acc5' '7c97db0a756c7a67a31f33d73"',
        ),
    ),
    keyed(
        'monday-token', 'monday.com API token',
        ('monday',), r'eyJ[A-Za-z0-9_\-]{15,}\.eyJ[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{20,}',
        true=(
            'MONDAY_API_KEY = "eyJYb6MMVzlL073p8kzRxl5.eyJqDgO8PQ7sbvsZmF' 'l4Vnq0IzCagwTA_'
            'OqVS9d0DsWfnQ5ZtCjHL2Z_bcbAyOc.COCRCBLWGuFHKn4QNAfhxHLjDWeM1' '2K6AXfBqHWvqak"',
            'monday_token: eyJMis0JS7q0lvRg0gMZrxu.eyJ3ARrnaPbDtqgCp7_pildCGYqOimgJYd'
            'TxnpZfPdVwaPNXuMjyX8a9DezWVkV.ZEsN3bJ_nEvQLsSoTapdmnRMKAkyw_yl_3KXXAigTkU',
        ),
        false=(
            'request_id = "eyJujcy9H4wGXaoN0QkH301.eyJCr0f6nOtr8-KTwtyVFr1nJbmvzr28jzT'
            'GBozAvbK_jxDenWKtuqi-weZxy-7.g2tTgS7sXSRMLgj8Br9t6P3NtmYi7nB0QiW-F7yfXgs"',
            'monday_key = "eyJjZpgh3htmQ.eyJxTcIoBq6RP5'
            'Ztewo4FeeTpwPGcPmNK.wz8T823VS9-NuUE2ljILW"',
        ),
    ),
    token(
        'contentful-pat', 'Contentful personal access token',
        r'\b(CFPAT-[A-Za-z0-9_\-]{43})\b',
        ('cfpat-',),
        true=('CFPAT-_QtR6Uo2kRLgyNlWEt' 'YS54XKzeyVFA_goa61Rv-K912',),
        false=('CFPAT-MNR' 'b14r9hiSP',),
    ),
    token(
        'typeform-pat', 'Typeform personal access token',
        r'\b(tfp_[A-Za-z0-9_\-.=]{59})',
        ('tfp_',),
        true=('tfp_vyNV6GkuIkDe9NAcBvun8O-v7fv' 'yefWZ-6bgvg6pCcrbgmPmbSBfBhx2LCk',),
        false=('tfp_PoO1' 'qZoAyMf7',),
    ),
    keyed(
        'okta-api-token', 'Okta API token',
        ('okta',), r'00[A-Za-z0-9_\-]{40}',
        true=(
            'OKTA_API_KEY = "00oTv4lMFw4J5' 'xNPfAKIy1QabaIgQtLw1ZlvXH0r7i"',
            'okta_token: 00DzfvVV7w89uY2' 'qrjKxRbqa9tRLFQr2ZMijANdMwc',
        ),
        false=(
            'request_id = "006meMyvLzHQ7K' 'IiiCFpyx3VqtjsZybbiu-Z7aocOG"',
            'okta_key = "00Nvm' 'oPXQFdyjOphfe61m9"',
        ),
    ),
    keyed(
        'auth0-client-secret', 'Auth0 client secret',
        ('auth0',), r'[A-Za-z0-9_\-]{64}',
        true=(
            'AUTH0_API_KEY = "9CKO-o1QlZQHPsUStScMgcGI'
            'OQVhDzZqMWC3W-I4hGc2OjDQdfrX1ZSKPmDqnRQH"',
            'auth0_token: M0uSqk7YEMxyVP-59OWXPY6d2' '1Gkg4nhZVwWCpAh1kg434eeuPN3PL8f_BXuFpVz',
        ),
        false=(
            'request_id = "HnHQzMqGeg6SXYaIejpw9qJWN' 'ez15FOuhsZ7YyUlI7O_AYKMZ_gpFzYQGv2iFErX"',
            'auth0_key = "l1mXxm-gYB' '9NaUUsUvH2vwPVvzbmsZiZ"',
        ),
    ),
    token(
        'dropbox-short-lived-token', 'Dropbox short-lived access token',
        r'\b(sl\.[A-Za-z0-9_\-]{130,})',
        ('sl.',),
        true=(
            'sl.pTHHe6roKRVjnEO109ry7W5xDOHnTEGAwhXqf-pFvr8GcNdDqIfuC9vCgs11uqgpDnM1'
            'hzsP9SftGi5xuHwxLjSKfvi-KIJ5s-M9YeerPaIbKMQS2-gs2P-P07QJm-d39Ayyl0WiK1ew',
        ),
        false=('sl.TRaTfFaB' '2YiiRikI2Fp6',),
    ),
    keyed(
        'dropbox-token', 'Dropbox long-lived access token',
        ('dropbox',), r'[A-Za-z0-9_\-]{11}AAAAAAAAAA[A-Za-z0-9_\-]{43}',
        true=(
            'DROPBOX_API_KEY = "RfAy6qAGcnrAAAAAAAAAAp4'
            'CJfNJNDfOxxIB2g4dRLWCSEf60MPmqkEDeu4v7zWl"',
            'dropbox_token: oM-KkslZ4yJAAAAAAAAAA3lj' 'w8UGIn1Aae3PHg9v9Zp9RdjaHAfK1SsMVNjfj6g9',
        ),
        false=(
            'request_id = "hKK_nGPDvPRAAAAAAAAAAqPSz' 'nUkR_FGl-_7eMUA6GAINeezqy4iuiYdp0aL_e0a"',
            'dropbox_key = "B7LnfAAAAAA' 'AAAAkBp_qHn8nOA18CXCMmp1F"',
        ),
    ),
    keyed(
        'box-token', 'Box developer token',
        ('box_token', 'box_api', 'box_client_secret'), r'[A-Za-z0-9]{32}',
        true=(
            'BOX_TOKEN_API_KEY = "m4ezHW' 'AOIve4gYbd2GB8gL7nAyjf7c7w"',
            'box_token_token: TmY6WQV' 'NYR9azdLrxBNdd5O4JP9bPbGd',
        ),
        false=(
            'request_id = "lEO5AkXyI' 'aD6oQ7M5a5XCDKUdAs4EZ0M"',
            'box_token_key = "' 'JZrrOFM8UxPymPyh"',
        ),
    ),
    token(
        'hubspot-pat', 'HubSpot private app access token',
        r'\b(pat-(?:na|eu)\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b',
        ('pat-na', 'pat-eu'),
        true=('pat-na1-66bd14df-f1d0-' 'fd20-248d-74df642fb86c',),
        false=('pat-na1-' '9955c118',),
    ),
    keyed(
        'hubspot-api-key', 'HubSpot API key (legacy)',
        ('hubspot', 'hapikey'), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'HUBSPOT_API_KEY = "768d4cec-' 'ea57-e4b4-60ca-cfc990e012d2"',
            'hubspot_token: c8f08354-4' '692-c36a-4d33-6f7df79d925d',
        ),
        false=(
            'request_id = "45136312-9c' '2c-fa79-54bc-a64e4834ee6a"',
            'hubspot_key = ' '"9ba2b21e-533a"',
        ),
    ),
    token(
        'salesforce-access-token', 'Salesforce access token',
        r'\b(00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{80,})',
        ('00d',),
        true=(
            '00DAmd8ejLGoZMjnRf!NCgfGAF8qJoGm879zpWYeroMaxmDau76S26JRS'
            'rzZN0WpPuIszyyUO8JApJn8Jq2dTdPfyCepFoGUXmwRQQKcqy9FI1Wupnh',
        ),
        false=('00D6Af6FwSrqWVL9dO!' 'g1pBc1Qlk0N6X90f09JW',),
    ),
    token(
        'zoho-token', 'Zoho OAuth token',
        r'\b(1000\.[a-f0-9]{32}\.[a-f0-9]{32})\b',
        ('1000.',),
        true=('1000.8fe04d8b02d2205212ca3ae89fdfea' '1d.0db1fb0bfc9d105cad71c8d17840dd05',),
        false=('1000.7fbfda2ecfc80' 'c1cf9ca8b1f4334f82e',),
    ),
    token(
        'riot-api-key', 'Riot Games API key',
        r'\b(RGAPI-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b',
        ('rgapi-',),
        true=('RGAPI-956192e1-c3a0-e' '777-5077-0528dd2ee06d',),
        false=('RGAPI-8' '5581995',),
    ),
    keyed(
        'steam-api-key', 'Steam Web API key',
        ('steam',), r'[A-F0-9]{32}',
        true=(
            'STEAM_API_KEY = "B6BDF931' '11F8E4A33D0385F3C8C5DB68"',
            'steam_token: 23A106945' '5ADB1E71BCCBE99AB81E0E2',
        ),
        false=(
            'request_id = "6856173E4' 'A8FF5697FBA84EDB1797EEC"',
            'steam_key = "0F' 'BC00AC611B708A"',
        ),
    ),
)
