use super::*;

#[test]
fn proxy_addresses_split_only_before_a_prefix() {
    assert_eq!(
        split_proxy_addresses("SMTP:a@contoso.com+smtp:a+news@contoso.com+SIP:a@contoso.com"),
        [
            "SMTP:a@contoso.com",
            "smtp:a+news@contoso.com",
            "SIP:a@contoso.com"
        ]
    );
    assert!(split_proxy_addresses("").is_empty());
}
