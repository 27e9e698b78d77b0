// Posts the SAML message on load; the <noscript> button covers browsers without JavaScript.
document.getElementById('saml-post').submit();
