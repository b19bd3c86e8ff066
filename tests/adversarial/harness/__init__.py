"""The adversarial suite's machinery: wire parsing, backends, client, proxies, judge, report."""
