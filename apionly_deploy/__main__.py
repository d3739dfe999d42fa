from apionly_deploy.cli import main

main()
