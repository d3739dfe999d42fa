"""Our Salesforce client: auth, the Metadata SOAP API, REST, deploy and retrieve."""
