from experience_server.cli import main

main()
