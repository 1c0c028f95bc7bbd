"""Analytics, media, maps and other service APIs.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    keyed(
        'spotify-client-secret', 'Spotify client secret',
        ('spotify',), r'[a-f0-9]{32}',
        true=(
            'SPOTIFY_API_KEY = "2a1a543' '1f2fe779038cabdd3f83acd3f"',
            'spotify_token: b18a4b30' '398599900a52beb38cbe0119',
        ),
        false=(
            'request_id = "8b7d86b8c' '115d55bbec98e93c1e2b5e9"',
            'spotify_key = "d' '9136d713955fdef"',
        ),
    ),
    keyed(
        'openweather-api-key', 'OpenWeather API key',
        ('openweather', 'owm_api'), r'[a-f0-9]{32}',
        true=(
            'OPENWEATHER_API_KEY = "8da77' 'cc562f52e08f7a0048ec3ab99ee"',
            'openweather_token: fd513b' 'd937e81fc9c65c28c724435cc2',
        ),
        false=(
            'request_id = "9f585ded6' 'd2d2639c7e97b9d52850517"',
            'openweather_key = ' '"bde98a472e539c8f"',
        ),
    ),
    token(
        'posthog-personal-key', 'PostHog personal API key',
        r'\b(phx_[A-Za-z0-9]{43})\b',
        ('phx_',),
        true=('phx_ofOxJh2qBJqIYas47G6' '1THvq55Aisdy9R5r4A7QI6Hl',),
        false=('phx_BFhd' 't0z5KPCT',),
    ),
    keyed(
        'segment-write-key', 'Segment API or write key',
        ('segment_write', 'segment_key', 'segment_api', 'segmentio'), r'[A-Za-z0-9]{32}',
        true=(
            'SEGMENT_WRITE_API_KEY = "2q65' 'gLvhFmiJm300S2V6fM9fo8DpgpNg"',
            'segment_write_token: BvcW2' '7nW9Uzd0x3IutfcneUIxxEAehwx',
        ),
        false=(
            'request_id = "kIe8Z6nII' 'Hnvoaq0vRQzVoeBi7UmGOv3"',
            'segment_write_key =' ' "w5R6bQ2Bh9vcGUGy"',
        ),
    ),
    keyed(
        'mixpanel-secret', 'Mixpanel API secret',
        ('mixpanel',), r'[a-f0-9]{32}',
        true=(
            'MIXPANEL_API_KEY = "f92a5f' 'bc0fcb400bc6890c26e8940ae0"',
            'mixpanel_token: 43d54d42' 'a608aa951358caa037783922',
        ),
        false=(
            'request_id = "64cc679eb' '3fe9bd28a71abb62426d0e7"',
            'mixpanel_key = "' '50be7d24570fe6b1"',
        ),
    ),
    keyed(
        'amplitude-api-key', 'Amplitude API key',
        ('amplitude',), r'[a-f0-9]{32}',
        true=(
            'AMPLITUDE_API_KEY = "acf9ec' '5ea43cf05a5d3f9196ea6cea48"',
            'amplitude_token: 27062fe' '5f4fa88336fc1ab9fd18351e0',
        ),
        false=(
            'request_id = "70632c2bc' 'd3b2f5c97be50fef7b9bfd3"',
            'amplitude_key = "' '46b600a1ca90366c"',
        ),
    ),
    keyed(
        'beamer-api-key', 'Beamer API key',
        ('beamer',), r'b_[A-Za-z0-9=_\-]{44}',
        true=(
            'BEAMER_API_KEY = "b_G82fodHWjX0h' 'Cg2fhiu6Ior4TQf4EbihrD2cwzf8mCVX"',
            'beamer_token: b_N1PAz0IPLmMkQa' 'KrAjZMceSLHMlmWXs4KOKVqz7JylHq',
        ),
        false=(
            'request_id = "b_vTJNDdHBxK2pQ-' '56FyRE3QHyrgJ_jshbJJf_kYuCTMDH"',
            'beamer_key = "b_Yht' 'wNvqf8pq8IRKcjSY-to"',
        ),
    ),
    token(
        'adafruit-io-key', 'Adafruit IO key',
        r'\b(aio_[A-Za-z0-9]{28})\b',
        ('aio_',),
        true=('aio_f8ztep9zrFj5' 'TE7PZksIzWeKHbx7',),
        false=('aio_mKO1' 'JL9IkYKS',),
    ),
    keyed(
        'flickr-api-key', 'Flickr API key',
        ('flickr',), r'[a-f0-9]{32}',
        true=(
            'FLICKR_API_KEY = "c7292ea' 'cd206f1a94518f65f5ce0a5f0"',
            'flickr_token: 4ad780aff' 'b8138a54dc3e72ca52d107f',
        ),
        false=(
            'request_id = "ca446e1b3' '91432067c8a0a852104e51a"',
            'flickr_key = "5' 'd1592d51598a903"',
        ),
    ),
    keyed(
        'etsy-api-key', 'Etsy API key',
        ('etsy',), r'[a-z0-9]{24}',
        true=(
            'ETSY_API_KEY = "3zzd' 'i2jyykrq7l6t5qi7ygad"',
            'etsy_token: 48acj6' 'pi5r1dws1zw4zloygm',
        ),
        false=('request_id = "oietk' 'eh53m622t03bzwp7fhy"', 'etsy_key = "' 'mhhcwcrvbblb"',),
    ),
    keyed(
        'cisco-meraki-api-key', 'Cisco Meraki API key',
        ('meraki',), r'[a-f0-9]{40}',
        true=(
            'MERAKI_API_KEY = "ee4688658fc' 'a1e273b7c08e1cac6d1b08a5263b5"',
            'meraki_token: f6da7ef599b4f' '951816feecc460717ec42be6a4c',
        ),
        false=(
            'request_id = "e1039a0c38b3d' '0c0f954d7de3bbc628234d8a0de"',
            'meraki_key = "b33' 'b83387e0eef1e9740"',
        ),
    ),
    keyed(
        'statuspage-api-key', 'Atlassian Statuspage API key',
        ('statuspage',), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'STATUSPAGE_API_KEY = "0cf9f4b' 'd-b8e7-8bca-1d33-4f3c2fde1fd2"',
            'statuspage_token: b6ab5ff3-' 'ddc3-2b87-e31a-1dcd5f9f52e5',
        ),
        false=(
            'request_id = "10cc3a25-65' '67-6b5b-b1b2-d62a8b2b6863"',
            'statuspage_key =' ' "3507e971-473b"',
        ),
    ),
    token(
        'zapier-webhook-url', 'Zapier webhook URL',
        r'(https://hooks\.zapier\.com/hooks/catch/\d+/[a-z0-9]{6,})',
        ('hooks.zapier.com',),
        true=('https://hooks.zapier.com/h' 'ooks/catch/1291482/t9adkce/',),
        false=('https://hooks.zapi' 'er.com/hooks/catch/',),
    ),
    keyed(
        'confluent-api-secret', 'Confluent Cloud API secret',
        ('confluent',), r'[A-Za-z0-9+/]{64}',
        true=(
            'CONFLUENT_API_KEY = "S7083GZmmhFnYUusCff73+'
            'Sf0FESy4FIF0MjKCJ4FGn/0j39dfLKz7Ct1ch7JlGh"',
            'confluent_token: PqH9AzHN+hR0+vYdu3vCdQt'
            'VKyOBVnInSSHdO0JKP+LNpG3dP+O8XCm1i4iN/n7D',
        ),
        false=(
            'request_id = "9u3sBJd3o5G51qXhgqEy10Nl0' 'bwa/Zwwdy+jvAu91RdREHgCkB492yojMLv7JrAw"',
            'confluent_key = "N+bCWu7J' 'Yhr7apVpjT3oL2h15k2z18un"',
        ),
    ),
    keyed(
        'elastic-api-key', 'Elastic / Elasticsearch API key',
        ('elastic',), r'[A-Za-z0-9_\-]{20}:[A-Za-z0-9_\-]{22}|[A-Za-z0-9+/]{56,60}={0,2}',
        true=(
            'ELASTIC_API_KEY = "2BP-wqUtaysy' 'PcSWdwjx:CqHDPCwLYSmOn49Q-hD7to"',
            'elastic_token: 7J5ijnobPJKN57' '5oZT1o:BxGVKyTnGEGX-PBIUfUbvJ',
        ),
        false=(
            'request_id = "X9fxs6KNJi0Qvo5' 'rplDN:N6YKHN_9TsfaKXtcp7dNIf"',
            'elastic_key = "8zkN' 'OuzaWY:Y69TBc89VU6"',
        ),
    ),
    keyed(
        'mux-token-secret', 'Mux API token secret',
        ('mux_token', 'mux_secret'), r'[A-Za-z0-9+/]{75}',
        true=(
            'MUX_TOKEN_API_KEY = "FUX0yQ09x1QsXKwER7TYE+XcglN'
            'eFWluejef+7nj5TAULVh06ocKqt6E9EVXBbHAtwu/H3YY8A3"',
            'mux_token_token: iEqTywHT2CGcpLcXIGO0Y/FLUYZDT'
            'YbzXrT2fqRGJXludLWmzENKodIzkg16N8UZnRKqwhZiMfg',
        ),
        false=(
            'request_id = "TaZ1v8mfn3SJ1VIvgeP9j67He+VYGBd'
            '6E4pz5jkdZx8PmKKkrFh40TSYPyJBnu94XMOmkcaUGtL"',
            'mux_token_key = "XtIpCN6wP+' '3dHzmQOD+/58oiLP0+pGQmsZo7A"',
        ),
    ),
    keyed(
        'vimeo-token', 'Vimeo access token',
        ('vimeo',), r'[a-f0-9]{32}',
        true=(
            'VIMEO_API_KEY = "fb8aada7' '0f7063bef201bb5577c450e8"',
            'vimeo_token: 87ec03520' 'dd5e1eb73cb0ec8f8894838',
        ),
        false=(
            'request_id = "1e46362df' '17227e78a8d9983adeb6f71"',
            'vimeo_key = "76' '45617d78717398"',
        ),
    ),
    keyed(
        'contentstack-token', 'Contentstack management token',
        ('contentstack',), r'cs[a-f0-9]{32}',
        true=(
            'CONTENTSTACK_API_KEY = "cs81e' '70ead70d71e256158979a1473dcda"',
            'contentstack_token: csc5aa0' '4a37424f5d64b8f65c51652c819',
        ),
        false=(
            'request_id = "cs3f566a76' '3f112eaa64c06421fbe06168"',
            'contentstack_key = ' '"cs40e7c70f5b5b8286"',
        ),
    ),
    keyed(
        'launchdarkly-mobile-key', 'LaunchDarkly mobile key',
        ('launchdarkly',), r'mob-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'LAUNCHDARKLY_API_KEY = "mob-7b80' '2bcd-46e3-e223-dd6e-3e9a6118533d"',
            'launchdarkly_token: mob-407641' 'c8-e8c7-a05c-f274-af0dfd5f2460',
        ),
        false=(
            'request_id = "mob-2b20b932-' 'c3c9-7ccb-1d5d-4d53bc1a6c16"',
            'launchdarkly_key = ' '"mob-b50bc236-c024"',
        ),
    ),
    keyed(
        'freshbooks-token', 'FreshBooks access token',
        ('freshbooks',), r'[a-f0-9]{64}',
        true=(
            'FRESHBOOKS_API_KEY = "34b4a5ca4e67bb2b536d6'
            '86767031d43fba6fbd9b2fb885c5e2782b32d44535e"',
            'freshbooks_token: a19231c3df4b1aaed5de25c'
            '6b75ca543f6a50559f44d6f09f0574df722ad7174',
        ),
        false=(
            'request_id = "0c27a290d14aacd651ff1e8f3' '81cd0ae0d14f931d628eb5a4578d6e1cc62fcf1"',
            'freshbooks_key = "f1db2d6' '442e18ea47fbe1ff2a33a4000"',
        ),
    ),
    keyed(
        'new-relic-rest-key', 'New Relic REST API key',
        ('newrelic', 'new_relic'), r'[a-f0-9]{47}',
        true=(
            'NEWRELIC_API_KEY = "16c6e123278fe7' '621ea075731073d0d610bc62bbde0ff56"',
            'newrelic_token: 99318bb822e19c9' 'ce3cd8663c87d49c1cbf6222edb7337e',
        ),
        false=(
            'request_id = "81918258ad2a90c7d' 'a26fcf6449a4431ad4cfda4e56f635"',
            'newrelic_key = "ae96' '7589b4c170f3dc4ad84"',
        ),
    ),
    keyed(
        'looker-client-secret', 'Looker API client secret',
        ('looker',), r'[A-Za-z0-9]{24}',
        true=(
            'LOOKER_API_KEY = "osH' 'qef90QrNDcSE5jyNJlDQD"',
            'looker_token: BTUO5' 'chbZzdPwzIXX4q3jNcx',
        ),
        false=('request_id = "9n5ou' 'nr5l2QxikvBE5daOxLk"', 'looker_key = ' '"eO5Rfj2oK2cP"',),
    ),
    keyed(
        'shortcut-token', 'Shortcut (Clubhouse) API token',
        ('shortcut_api', 'shortcut_token', 'clubhouse'), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',  # noqa: E501
        true=(
            'SHORTCUT_API_API_KEY = "5f6168' '1c-e6ea-b88a-64e4-ab5afa79d481"',
            'shortcut_api_token: d5fdf1f5' '-17d5-f8a8-0d54-e3261cacc316',
        ),
        false=(
            'request_id = "c3bd152b-4a' 'f9-6a97-386a-2253bcf5a1e3"',
            'shortcut_api_key ' '= "2d6408d8-5505"',
        ),
    ),
    keyed(
        'mapquest-key', 'MapQuest API key',
        ('mapquest',), r'[A-Za-z0-9]{32}',
        true=(
            'MAPQUEST_API_KEY = "mTgCLk' 'nhkZ2nUdetLFVYA9PszNIEhgPa"',
            'mapquest_token: TAiWjlTd' 'ulyXyHxSaoxGZlG4cdsqMw9P',
        ),
        false=(
            'request_id = "cwLvkpDur' 'Yr9aXZYXCbVEKY93RdI6tgP"',
            'mapquest_key = "' '7OdYAoMQRBc1BFid"',
        ),
    ),
)
