//! Acceptance 3: three wrong PINs lock the citizen on every kiosk; the right PIN is then
//! refused with "locked" until an officer unlocks.

use adm_central_client::ClientError;

use crate::common::*;

#[tokio::test]
async fn three_wrong_pins_lock_everywhere_until_officer_unlocks() {
    let server = server();
    let a = client(&server);
    let b = kiosk(&server, "ADM-TEST-B");
    let c = kiosk(&server, "ADM-TEST-C");

    assert_eq!(a.sign_in_nik(SITI.0, "000000").await.unwrap_err(), ClientError::WrongPin { attempts_left: 2 });
    assert_eq!(b.sign_in_nik(SITI.0, "111111").await.unwrap_err(), ClientError::WrongPin { attempts_left: 1 });
    assert_eq!(c.sign_in_nik(SITI.0, "222222").await.unwrap_err(), ClientError::Locked);
    assert!(server.admin().is_locked(SITI.0).unwrap());

    // Fourth attempt, right PIN, any kiosk: still locked.
    for k in [&a, &b, &c] {
        assert_eq!(k.sign_in_nik(SITI.0, SITI.1).await.unwrap_err(), ClientError::Locked);
    }
    // Other citizens are not affected.
    assert!(a.sign_in_nik(BUDI.0, BUDI.1).await.is_ok());

    server.admin().unlock(SITI.0).unwrap();
    let grant = b.sign_in_nik(SITI.0, SITI.1).await.unwrap();
    assert_eq!(grant.citizen.nik, SITI.0);
    // The count starts again from zero after a successful sign-in.
    assert_eq!(a.sign_in_nik(SITI.0, "000000").await.unwrap_err(), ClientError::WrongPin { attempts_left: 2 });
    assert!(a.sign_in_nik(SITI.0, SITI.1).await.is_ok());
    assert_eq!(a.sign_in_nik(SITI.0, "000000").await.unwrap_err(), ClientError::WrongPin { attempts_left: 2 });
}

#[tokio::test]
async fn notice_pin_failures_count_towards_the_same_lock() {
    let server = server();
    let a = client(&server);
    assert_eq!(a.sign_in_nik(RINA.0, "000000").await.unwrap_err(), ClientError::WrongPin { attempts_left: 2 });
    let code = adm_central::demo::DEMO_NOTICE_CODE;
    assert_eq!(a.sign_in_notice(code, "000000").await.unwrap_err(), ClientError::WrongPin { attempts_left: 1 });
    assert_eq!(a.sign_in_notice(code, "000001").await.unwrap_err(), ClientError::Locked);
    assert_eq!(a.sign_in_notice(code, adm_central::demo::DEMO_NOTICE_PIN).await.unwrap_err(), ClientError::Locked);
    assert_eq!(a.sign_in_nik(RINA.0, RINA.1).await.unwrap_err(), ClientError::Locked);
    server.admin().reset_pin(RINA.0, "246802").unwrap();
    assert!(a.sign_in_nik(RINA.0, "246802").await.is_ok());
}

#[tokio::test]
async fn concurrent_wrong_pins_never_exceed_three() {
    let server = server();
    let kiosks: Vec<_> = (0..6).map(|i| kiosk(&server, &format!("ADM-RACE-{i}"))).collect();
    let attempts = kiosks.iter().map(|k| {
        let k = k.clone();
        tokio::spawn(async move { k.sign_in_nik(DEWI.0, "999999").await })
    });
    let mut wrong = 0;
    let mut locked = 0;
    for a in attempts {
        match a.await.unwrap() {
            Err(ClientError::WrongPin { .. }) => wrong += 1,
            Err(ClientError::Locked) => locked += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((wrong, locked), (2, 4), "exactly two 'wrong PIN' answers before the lock");
}
